package httpapi_test

import (
	"fmt"

	"github.com/skyledger/skyledger/domain"
	"github.com/skyledger/skyledger/internal/httpapi"
)

// ErrorResponse is the single mapping from errors to HTTP: a field error is
// a 400 whose body names the field.
func ExampleErrorResponse() {
	resp := httpapi.ErrorResponse(fmt.Errorf("create user: %w", domain.Invalid("email", "must be an e-mail address")))
	fmt.Println(resp.StatusCode)
	fmt.Println(resp.Body)
	// Output:
	// 400
	// {"error":{"code":"validation","message":"email: must be an e-mail address","details":{"field":"email"}}}
}
