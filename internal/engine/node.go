package engine

import (
	"reflect"
	"sync/atomic"

	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// simplego keeps a node's output shape and its op parameters in unexported fields of
// simplego.Node ("shape", "data"). Reflection reads unexported fields (without unsafe); the
// field indices are looked up once. The readers return ok == false when the layout is not the
// expected one, and the executors then leave the node to simplego's own executor.

// nodeFields holds the indices of simplego.Node's "shape" and "data" fields (nil when missing).
type nodeFields struct {
	shapeIdx, dataIdx []int
}

func newNodeFields() nodeFields {
	var f nodeFields
	t := reflect.TypeFor[simplego.Node]()
	if sf, ok := t.FieldByName("shape"); ok && sf.Type == reflect.TypeFor[shapes.Shape]() {
		f.shapeIdx = sf.Index
	}
	if sf, ok := t.FieldByName("data"); ok && sf.Type.Kind() == reflect.Interface {
		f.dataIdx = sf.Index
	}
	return f
}

// Indices of shapes.Shape's (exported) fields.
var (
	shapeDTypeField, _ = reflect.TypeFor[shapes.Shape]().FieldByName("DType")
	shapeDimsField, _  = reflect.TypeFor[shapes.Shape]().FieldByName("Dimensions")
)

// shape returns node's output shape.
func (f nodeFields) shape(node *simplego.Node) (shapes.Shape, bool) {
	if f.shapeIdx == nil {
		return shapes.Shape{}, false
	}
	v := reflect.ValueOf(node).Elem().FieldByIndex(f.shapeIdx)
	dims := v.FieldByIndex(shapeDimsField.Index)
	s := shapes.Shape{DType: dtypes.DType(v.FieldByIndex(shapeDTypeField.Index).Int()), Dimensions: make([]int, dims.Len())}
	for i := range s.Dimensions {
		s.Dimensions[i] = int(dims.Index(i).Int())
	}
	return s, true
}

// dataValue returns the dynamic value of node's parameters (invalid if there are none).
func (f nodeFields) dataValue(node *simplego.Node) reflect.Value {
	if f.dataIdx == nil {
		return reflect.Value{}
	}
	v := reflect.ValueOf(node).Elem().FieldByIndex(f.dataIdx)
	if v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

// ints returns node's parameters when they are a []int (the axes of reductions, the permutation
// of Transpose, the axes map of BroadcastInDim).
func (f nodeFields) ints(node *simplego.Node) ([]int, bool) {
	v := f.dataValue(node)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem().Kind() != reflect.Int {
		return nil, false
	}
	return intsOf(v), true
}

func intsOf(v reflect.Value) []int {
	out := make([]int, v.Len())
	for i := range out {
		out[i] = int(v.Index(i).Int())
	}
	return out
}

// dotParams are the parameters of a simplego DotGeneral node.
type dotParams struct {
	lhsContracting, lhsBatch, rhsContracting, rhsBatch []int
	batch, lhsCross, rhsCross, contracting             int
}

// dotLayout holds the field indices of simplego's (unexported) DotGeneral parameters struct.
type dotLayout struct {
	typ                                                reflect.Type
	lhsContracting, lhsBatch, rhsContracting, rhsBatch int
	batch, lhsCross, rhsCross, contracting             int
}

// dotLayoutOf returns the layout of the parameters struct type t, or nil if a field is missing
// or of another kind.
func dotLayoutOf(t reflect.Type) *dotLayout {
	l := &dotLayout{typ: t}
	for _, f := range []struct {
		name string
		kind reflect.Kind
		dst  *int
	}{
		{"lhsContractingAxes", reflect.Slice, &l.lhsContracting}, {"lhsBatchAxes", reflect.Slice, &l.lhsBatch},
		{"rhsContractingAxes", reflect.Slice, &l.rhsContracting}, {"rhsBatchAxes", reflect.Slice, &l.rhsBatch},
		{"batchSize", reflect.Int, &l.batch}, {"lhsCrossSize", reflect.Int, &l.lhsCross},
		{"rhsCrossSize", reflect.Int, &l.rhsCross}, {"contractingSize", reflect.Int, &l.contracting},
	} {
		sf, ok := t.FieldByName(f.name)
		if !ok || len(sf.Index) != 1 || sf.Type.Kind() != f.kind || (f.kind == reflect.Slice && sf.Type.Elem().Kind() != reflect.Int) {
			return nil
		}
		*f.dst = sf.Index[0]
	}
	return l
}

// dotParamsReader reads DotGeneral node parameters, caching the struct layout.
type dotParamsReader struct {
	fields nodeFields
	layout atomic.Pointer[dotLayout]
}

// read returns the parameters of node, or false if they do not have the expected layout.
func (r *dotParamsReader) read(node *simplego.Node) (dotParams, bool) {
	v := r.fields.dataValue(node)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return dotParams{}, false
	}
	v = v.Elem()
	l := r.layout.Load()
	if l == nil || l.typ != v.Type() {
		if l = dotLayoutOf(v.Type()); l == nil {
			return dotParams{}, false
		}
		r.layout.Store(l)
	}
	return dotParams{
		lhsContracting: intsOf(v.Field(l.lhsContracting)), lhsBatch: intsOf(v.Field(l.lhsBatch)),
		rhsContracting: intsOf(v.Field(l.rhsContracting)), rhsBatch: intsOf(v.Field(l.rhsBatch)),
		batch: int(v.Field(l.batch).Int()), lhsCross: int(v.Field(l.lhsCross).Int()),
		rhsCross: int(v.Field(l.rhsCross).Int()), contracting: int(v.Field(l.contracting).Int()),
	}, true
}

// gatherParams are the parameters of a simplego Gather node (XLA's gather dimension numbers).
type gatherParams struct {
	indexVectorAxis                                                  int
	offsetOutputAxes, collapsedSlicesAxes, startIndexMap, sliceSizes []int
}

// gatherLayout holds the field indices of simplego's (unexported) Gather parameters struct.
type gatherLayout struct {
	typ                                                               reflect.Type
	indexVectorAxis, offsetOutput, collapsedSlices, startMap, sliceSz int
}

func gatherLayoutOf(t reflect.Type) *gatherLayout {
	l := &gatherLayout{typ: t}
	for _, f := range []struct {
		name string
		kind reflect.Kind
		dst  *int
	}{
		{"indexVectorAxis", reflect.Int, &l.indexVectorAxis}, {"offsetOutputAxes", reflect.Slice, &l.offsetOutput},
		{"collapsedSlicesAxes", reflect.Slice, &l.collapsedSlices}, {"startIndexMap", reflect.Slice, &l.startMap},
		{"sliceSizes", reflect.Slice, &l.sliceSz},
	} {
		sf, ok := t.FieldByName(f.name)
		if !ok || len(sf.Index) != 1 || sf.Type.Kind() != f.kind || (f.kind == reflect.Slice && sf.Type.Elem().Kind() != reflect.Int) {
			return nil
		}
		*f.dst = sf.Index[0]
	}
	return l
}

// gatherParamsReader reads Gather node parameters, caching the struct layout.
type gatherParamsReader struct {
	fields nodeFields
	layout atomic.Pointer[gatherLayout]
}

// read returns the parameters of node, or false if they do not have the expected layout.
func (r *gatherParamsReader) read(node *simplego.Node) (gatherParams, bool) {
	v := r.fields.dataValue(node)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return gatherParams{}, false
	}
	v = v.Elem()
	l := r.layout.Load()
	if l == nil || l.typ != v.Type() {
		if l = gatherLayoutOf(v.Type()); l == nil {
			return gatherParams{}, false
		}
		r.layout.Store(l)
	}
	return gatherParams{
		indexVectorAxis: int(v.Field(l.indexVectorAxis).Int()), offsetOutputAxes: intsOf(v.Field(l.offsetOutput)),
		collapsedSlicesAxes: intsOf(v.Field(l.collapsedSlices)), startIndexMap: intsOf(v.Field(l.startMap)),
		sliceSizes: intsOf(v.Field(l.sliceSz)),
	}, true
}
