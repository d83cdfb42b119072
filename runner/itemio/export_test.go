package itemio

// SetPageSize makes ListObjectsV2 answer pages of n objects.
func (r *S3) SetPageSize(n int32) { r.pageSize = n }
