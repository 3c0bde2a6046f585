// Package search finds things in the lake: an index of a bucket's objects
// (inventory and journal, in Amazon S3 Metadata's shape) and search over
// it, search over the catalog's tables and columns, and the classification
// of columns from their values.
package search
