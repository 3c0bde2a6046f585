package format

import (
	"context"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	pformat "github.com/parquet-go/parquet-go/format"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/storage"
)

// rangeReaderAt reads an object by ranged requests, counting the bytes.
type rangeReaderAt struct {
	ctx   context.Context
	store storage.Store
	key   string
	read  int64
}

func (r *rangeReaderAt) ReadAt(p []byte, off int64) (int, error) {
	rc, err := storage.GetRange(r.ctx, r.store, r.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	n, err := io.ReadFull(rc, p)
	r.read += int64(n)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	return n, err
}

// sniffParquet reads a Parquet file's schema, row count and compression
// codec from its footer alone: one ranged read of the file's last 64 KiB
// (two when the footer is larger). The caller has checked the magic at
// its head.
func sniffParquet(ctx context.Context, s storage.Store, key string, size int64) ([]Field, int64, string, int64, error) {
	r := &rangeReaderAt{ctx: ctx, store: s, key: key}
	f, err := parquet.OpenFile(r, size,
		parquet.SkipMagicBytes(true), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true),
		parquet.OptimisticRead(true), parquet.ReadBufferSize(64<<10))
	if err != nil {
		return nil, 0, "", r.read, fmt.Errorf("unreadable Parquet footer: %w", err)
	}
	md := f.Metadata()
	if len(md.Schema) == 0 {
		return nil, 0, "", r.read, fmt.Errorf("parquet footer has no schema")
	}
	i := 1
	var fields []Field
	for range int(md.Schema[0].NumChildren.V) {
		fd, err := parquetField(md.Schema, &i)
		if err != nil {
			return nil, 0, "", r.read, err
		}
		fields = append(fields, fd)
	}
	return fields, md.NumRows, parquetCodec(md), r.read, nil
}

// parquetCodec names, as Glue's compressionType does, the codec of most
// of a file's column chunks (Parquet compresses each chunk, not the file).
func parquetCodec(md *pformat.FileMetaData) string {
	counts := map[pformat.CompressionCodec]int{}
	best, most := pformat.Uncompressed, 0
	for _, rg := range md.RowGroups {
		for _, cc := range rg.Columns {
			c := cc.MetaData.Codec
			counts[c]++
			if counts[c] > most || counts[c] == most && c < best {
				best, most = c, counts[c]
			}
		}
	}
	switch best {
	case pformat.Snappy:
		return Snappy
	case pformat.Gzip:
		return Gzip
	case pformat.Zstd:
		return Zstd
	case pformat.LZO:
		return "lzo"
	case pformat.Brotli:
		return "brotli"
	case pformat.Lz4, pformat.Lz4Raw:
		return "lz4"
	}
	return NoCompression
}

// parquetField converts the schema element at *i (and its children, which
// follow it depth-first) to a field, advancing *i past them.
func parquetField(els []pformat.SchemaElement, i *int) (Field, error) {
	if *i >= len(els) {
		return Field{}, fmt.Errorf("parquet schema is truncated")
	}
	el := els[*i]
	*i++
	name := catalog.SanitizeName(el.Name)
	var t *Type
	if el.NumChildren.Valid && el.NumChildren.V > 0 {
		var children []Field
		for range int(el.NumChildren.V) {
			c, err := parquetField(els, i)
			if err != nil {
				return Field{}, err
			}
			children = append(children, c)
		}
		t = parquetGroup(&el, children)
	} else {
		t = parquetPrimitive(&el)
	}
	if rep, ok := el.RepetitionType.Get(); ok && rep == pformat.Repeated && !isListOrMap(&el) {
		t = &Type{Kind: Array, Elem: t} // a bare repeated field is a list
	}
	return Field{Name: name, Type: t, Source: el.Name}, nil
}

func isListOrMap(el *pformat.SchemaElement) bool {
	switch el.LogicalType.Value.(type) {
	case *pformat.ListType, *pformat.MapType:
		return true
	}
	ct, ok := el.ConvertedType.Get()
	return ok && (ct == deprecated.List || ct == deprecated.Map || ct == deprecated.MapKeyValue)
}

func parquetGroup(el *pformat.SchemaElement, children []Field) *Type {
	_, isList := el.LogicalType.Value.(*pformat.ListType)
	_, isMap := el.LogicalType.Value.(*pformat.MapType)
	if ct, ok := el.ConvertedType.Get(); ok {
		isList = isList || ct == deprecated.List
		isMap = isMap || ct == deprecated.Map || ct == deprecated.MapKeyValue
	}
	switch {
	case isList && len(children) == 1:
		// LIST: group (LIST) { repeated group list { element } } or the
		// legacy two-level form; children[0] was already made an array.
		inner := children[0].Type
		if inner.Kind == Array {
			inner = inner.Elem
		}
		if inner.Kind == Struct && len(inner.Fields) == 1 {
			inner = inner.Fields[0].Type
		}
		return &Type{Kind: Array, Elem: inner}
	case isMap && len(children) == 1:
		kv := children[0].Type
		if kv.Kind == Array {
			kv = kv.Elem
		}
		if kv.Kind == Struct && len(kv.Fields) == 2 {
			return &Type{Kind: Map, Key: kv.Fields[0].Type, Elem: kv.Fields[1].Type}
		}
	}
	return &Type{Kind: Struct, Fields: children}
}

func parquetPrimitive(el *pformat.SchemaElement) *Type {
	switch lt := el.LogicalType.Value.(type) {
	case *pformat.StringType, *pformat.EnumType, *pformat.JsonType, *pformat.UUIDType:
		return tString
	case *pformat.DateType:
		return tDate
	case *pformat.TimestampType:
		return tTimestamp
	case *pformat.DecimalType:
		return &Type{Kind: Decimal, Precision: int(lt.Precision), Scale: int(lt.Scale), Hive: exact}
	case *pformat.IntType:
		switch {
		case !lt.IsSigned && lt.BitWidth == 64:
			return &Type{Kind: Decimal, Precision: 20, Scale: 0, Hive: exact}
		case lt.BitWidth == 64 || !lt.IsSigned && lt.BitWidth == 32:
			return tBigint
		case lt.BitWidth == 8 && lt.IsSigned:
			return &Type{Kind: Int, Hive: "tinyint"}
		case lt.BitWidth == 16 && lt.IsSigned || lt.BitWidth == 8:
			return &Type{Kind: Int, Hive: "smallint"}
		}
		return &Type{Kind: Int, Hive: "int"}
	}
	if ct, ok := el.ConvertedType.Get(); ok {
		switch ct {
		case deprecated.UTF8, deprecated.Enum, deprecated.Json:
			return tString
		case deprecated.Date:
			return tDate
		case deprecated.TimestampMillis, deprecated.TimestampMicros:
			return tTimestamp
		case deprecated.Decimal:
			return &Type{Kind: Decimal, Precision: int(el.Precision.V), Scale: int(el.Scale.V), Hive: exact}
		case deprecated.Int8:
			return &Type{Kind: Int, Hive: "tinyint"}
		case deprecated.Int16, deprecated.Uint8:
			return &Type{Kind: Int, Hive: "smallint"}
		case deprecated.Uint32:
			return tBigint
		case deprecated.Uint64:
			return &Type{Kind: Decimal, Precision: 20, Scale: 0, Hive: exact}
		}
	}
	switch el.Type.V {
	case pformat.Boolean:
		return tBoolean
	case pformat.Int32:
		return &Type{Kind: Int, Hive: "int"}
	case pformat.Int64:
		return tBigint
	case pformat.Int96:
		return tTimestamp
	case pformat.Float:
		return &Type{Kind: Float}
	case pformat.Double:
		return tDouble
	}
	return &Type{Kind: Binary}
}
