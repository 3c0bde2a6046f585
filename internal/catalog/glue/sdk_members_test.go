package glue

// The catalog's types carry every member of the SDK's Glue shapes, whose
// API may be newer than botocore's model that package catalog checks
// against: a member lakectl did not carry would be dropped by an update.
import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/lakectl/lakectl/internal/catalog"
)

func jsonNames(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return t
}

func compare(t *testing.T, path string, sdk, ours reflect.Type, seen map[reflect.Type]bool) {
	if seen[sdk] {
		return
	}
	seen[sdk] = true
	names := jsonNames(ours)
	for i := range sdk.NumField() {
		f := sdk.Field(i)
		if !f.IsExported() {
			continue
		}
		o, ok := names[f.Name]
		if !ok {
			t.Errorf("%s.%s is not carried", path, f.Name)
			continue
		}
		s, d := elem(f.Type), elem(o)
		if s.Kind() == reflect.Struct && d.Kind() == reflect.Struct && s.PkgPath() == sdk.PkgPath() {
			compare(t, path+"."+f.Name, s, d, seen)
		}
	}
}

func TestTypesCarryEverySDKMember(t *testing.T) {
	seen := map[reflect.Type]bool{}
	compare(t, "Table", reflect.TypeOf(types.Table{}), reflect.TypeOf(catalog.Table{}), seen)
	compare(t, "Partition", reflect.TypeOf(types.Partition{}), reflect.TypeOf(catalog.Partition{}), seen)
	compare(t, "Database", reflect.TypeOf(types.Database{}), reflect.TypeOf(catalog.Database{}), seen)
}
