package startup_test

import (
	"fmt"
	"os"

	"github.com/example/orderflow/runtime/startup"
)

func Example() {
	os.Setenv("ORDERS_TABLE_NAME", "Orders") // Lambda sets it from the function's environment
	rt := startup.Start(startup.Config{
		Service:  "api",
		Required: []string{"ORDERS_TABLE_NAME"},
		NoAWS:    true, // a real function loads it: leave NoAWS out
	})
	fmt.Println(rt.Env("ORDERS_TABLE_NAME"))
	// Output: Orders
}
