package main

import (
	"fmt"

	"example.com/mod/lib"
)

func main() { fmt.Println(lib.Greeting) }
