package itemio

import (
	"fmt"

	"github.com/stepd/stepd/asl"
)

// Check reports what of a Map state's ItemReader and ResultWriter stepd
// cannot honour, so that CreateStateMachine refuses it rather than a run
// failing (or, worse, doing something else) later: the location of the field
// below the state, and an error that names it. Everything the States
// Language accepts there is read except PARQUET objects, Athena manifests
// and listObjectsV2's LOAD_AND_FLATTEN (reading the listed objects'
// contents).
//
// An INLINE Map runs inside its execution, on the items of its input: an
// ItemReader, ItemBatcher or ResultWriter there would be ignored, so it is
// refused too.
func Check(st *asl.State) (string, error) {
	if st.Map == nil {
		return "", nil
	}
	if st.Map.Mode != asl.MapDistributed {
		for _, f := range []struct {
			name string
			set  bool
		}{{"ItemReader", st.Map.Reader != nil}, {"ItemBatcher", st.Map.Batcher != nil}, {"ResultWriter", st.Map.Writer != nil}} {
			if f.set {
				return "/" + f.name, fmt.Errorf("stepd honours %s only in a DISTRIBUTED Map: set ItemProcessor.ProcessorConfig.Mode to DISTRIBUTED", f.name)
			}
		}
		return "", nil
	}
	if st.Map.Reader == nil {
		return "", nil
	}
	r := st.Map.Reader
	const cfg = "/ItemReader/ReaderConfig/"
	switch {
	case r.InputType == "PARQUET":
		return cfg + "InputType", fmt.Errorf("stepd cannot read ItemReader InputType PARQUET: it reads JSON, JSONL, CSV and MANIFEST (S3 inventories)")
	case r.ManifestType == "ATHENA_DATA":
		return cfg + "ManifestType", fmt.Errorf("stepd cannot read ItemReader ManifestType ATHENA_DATA: it reads S3_INVENTORY manifests")
	case r.Transformation == "LOAD_AND_FLATTEN":
		return cfg + "Transformation", fmt.Errorf("stepd cannot honour ItemReader Transformation LOAD_AND_FLATTEN: it lists objects, without reading their contents")
	case r.Resource.Action == "listObjectsV2" && r.InputType != "":
		return cfg + "InputType", fmt.Errorf("stepd cannot honour InputType %s with s3:listObjectsV2: it lists objects, without reading their contents", r.InputType)
	}
	return "", nil
}
