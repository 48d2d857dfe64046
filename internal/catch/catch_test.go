package catch

import (
	"errors"
	"io"
	"testing"
)

func TestPanic(t *testing.T) {
	run := func(v any) (err error) {
		defer Panic(&err, "where")
		if v != nil {
			panic(v)
		}
		return nil
	}
	if err := run(nil); err != nil {
		t.Fatalf("no panic: got %v", err)
	}
	err := run(io.EOF)
	if !errors.Is(err, io.EOF) || err.Error() != "where: EOF" {
		t.Fatalf("error panic: got %v", err)
	}
	if err := run(42); err == nil || err.Error() != "where: 42" {
		t.Fatalf("value panic: got %v", err)
	}
}
