package migrate

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var steps = []Step{
	{Version: 1, Name: "one", SQL: []string{"a", "b"}},
	{Version: 2, Name: "two", SQL: []string{"c"}},
	{Version: 3, Name: "three", SQL: []string{"d"}},
}

func run(t *testing.T, current int) (ran []string, recorded []int, err error) {
	_, err = Apply(context.Background(), steps, current,
		func(_ context.Context, stmt string) error { ran = append(ran, stmt); return nil },
		func(_ context.Context, s Step) error { recorded = append(recorded, s.Version); return nil })
	return ran, recorded, err
}

func TestApplyRunsWhatIsMissingInOrder(t *testing.T) {
	for current, want := range map[int][]string{0: {"a", "b", "c", "d"}, 1: {"c", "d"}, 2: {"d"}, 3: nil} {
		ran, recorded, err := run(t, current)
		if err != nil {
			t.Fatalf("from %d: %v", current, err)
		}
		if !reflect.DeepEqual(ran, want) {
			t.Errorf("from %d ran %v, want %v", current, ran, want)
		}
		if len(recorded) != 3-current || (len(recorded) > 0 && recorded[len(recorded)-1] != 3) {
			t.Errorf("from %d recorded %v", current, recorded)
		}
	}
}

func TestTooNewIsRefusedBeforeAnything(t *testing.T) {
	ran, recorded, err := run(t, 4)
	if !errors.Is(err, ErrTooNew) || !strings.Contains(err.Error(), "schema version 4; this one knows up to 3") {
		t.Fatalf("err = %v, want ErrTooNew naming both versions", err)
	}
	if ran != nil || recorded != nil {
		t.Errorf("a too-new catalog was changed: %v %v", ran, recorded)
	}
}

func TestAStepThatFailsStopsTheRest(t *testing.T) {
	var ran []string
	_, err := Apply(context.Background(), steps, 0,
		func(_ context.Context, stmt string) error {
			ran = append(ran, stmt)
			if stmt == "c" {
				return errors.New("boom")
			}
			return nil
		},
		func(context.Context, Step) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "migration 2 (two): boom") {
		t.Fatalf("err = %v", err)
	}
	if !reflect.DeepEqual(ran, []string{"a", "b", "c"}) {
		t.Errorf("ran %v", ran)
	}
}

func TestMisnumberedListIsAnError(t *testing.T) {
	bad := []Step{{Version: 1, Name: "one"}, {Version: 3, Name: "three"}}
	if _, err := Pending(bad, 0); err == nil {
		t.Fatal("a list with a gap was accepted")
	}
}
