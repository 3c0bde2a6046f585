package awsconfig

import (
	"context"
	"maps"
	"sync"

	"github.com/aws/smithy-go/middleware"
)

// Requests counts the requests an AWS client sends, by operation: AWS
// bills and throttles per request. The zero value is ready to use; add
// Count to the client's APIOptions.
type Requests struct {
	mu sync.Mutex
	n  map[string]int
}

// Count is an APIOptions entry: a finalize middleware after the retry
// middleware, so that every attempt is counted, retries too.
func (r *Requests) Count(stack *middleware.Stack) error {
	return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("lakectlCountRequests",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			op := middleware.GetOperationName(ctx)
			r.mu.Lock()
			if r.n == nil {
				r.n = map[string]int{}
			}
			r.n[op]++
			r.mu.Unlock()
			return next.HandleFinalize(ctx, in)
		}), middleware.After)
}

// Counts returns how many requests were sent so far, by operation.
func (r *Requests) Counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		return map[string]int{}
	}
	return maps.Clone(r.n)
}
