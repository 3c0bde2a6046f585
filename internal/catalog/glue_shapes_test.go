package catalog

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The catalog's types have every member of the Glue API shape they stand
// for, under its name and in its order. testdata/glue_shapes.json lists
// the members of each shape as botocore's Glue service model has them.
func TestTypesHaveEveryGlueMember(t *testing.T) {
	data, err := os.ReadFile("testdata/glue_shapes.json")
	if err != nil {
		t.Fatal(err)
	}
	var model struct {
		Shapes map[string]struct {
			Type    string   `json:"type"`
			Members []string `json:"members"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(data, &model); err != nil {
		t.Fatal(err)
	}
	types := map[string]any{}
	for _, v := range []any{Database{}, PrincipalPermissions{}, DataLakePrincipal{}, DatabaseIdentifier{}, FederatedDatabase{},
		Table{}, TableIdentifier{}, FederatedTable{}, ViewDefinition{}, ViewRepresentation{}, TableStatus{}, StatusDetail{}, ViewValidation{}, ErrorDetail{},
		StorageDescriptor{}, SortOrder{}, SkewedInfo{}, SchemaReference{}, SchemaID{}, SerDeInfo{}, Column{}, Partition{}} {
		types[reflect.TypeOf(v).Name()] = v
	}
	for shape, want := range model.Shapes {
		v, ok := types[want.Type]
		if !ok {
			t.Errorf("Glue shape %s: no type %s", shape, want.Type)
			continue
		}
		var got []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
			got = append(got, name)
		}
		// After the model's members may come those of newer Glue APIs
		// (the SDK's, checked in package glue).
		if len(got) < len(want.Members) || !slices.Equal(got[:len(want.Members)], want.Members) {
			t.Errorf("%s (Glue's %s) has JSON members\n %v\nwant first\n %v", want.Type, shape, got, want.Members)
		}
	}
}
