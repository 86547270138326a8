// Package lib is shared by fn/a only.
package lib

// Greeting is what fn/a prints.
const Greeting = "hello from a"
