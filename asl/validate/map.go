package validate

import (
	"github.com/stepd/stepd/asl"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/jsonvalue"
)

func (v *validator) mapState(st *lintState) {
	o, loc := st.obj, st.loc
	switch {
	case o.Has("ItemProcessor") && o.Has("Iterator"):
		v.schema(loc, "These fields are mutually exclusive: [ItemProcessor, Iterator]")
	case !o.Has("ItemProcessor") && !o.Has("Iterator"):
		v.schema(loc, "These fields are required: [ItemProcessor]")
	}
	v.exclusive(o, loc, "ItemSelector", "Parameters")
	v.exclusive(o, loc, "MaxConcurrency", "MaxConcurrencyPath")
	v.exclusive(o, loc, "ToleratedFailureCount", "ToleratedFailureCountPath")
	v.exclusive(o, loc, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")

	if raw, ok := st.has("ItemsPath"); ok {
		v.pathField(raw, loc+"/ItemsPath", "ItemsPath", 0)
	}
	if raw, ok := st.has("Items"); ok {
		switch x := raw.(type) {
		case []any:
		case string:
			if !asl.IsJSONataString(x) {
				v.schema(loc+"/Items", "Expected value of type [ARRAY] or a JSONata expression")
			}
		default:
			v.schema(loc+"/Items", "Expected value of type [ARRAY] or a JSONata expression")
		}
	}
	if raw, ok := st.has("ItemSelector"); ok && !st.jsonata {
		v.payloadTemplate(raw, loc+"/ItemSelector")
	}
	if raw, ok := st.has("MaxConcurrency"); ok {
		v.intOrExpr(st, raw, loc+"/MaxConcurrency", 0, 1<<62)
	}
	if raw, ok := st.has("ToleratedFailureCount"); ok {
		v.intOrExpr(st, raw, loc+"/ToleratedFailureCount", 0, 1<<62)
	}
	if raw, ok := st.has("ToleratedFailurePercentage"); ok {
		if s, isStr := raw.(string); isStr && st.jsonata && asl.IsJSONataString(s) {
		} else {
			v.numberRange(raw, loc+"/ToleratedFailurePercentage", 0, 100)
		}
	}
	for _, f := range []string{"MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"} {
		if raw, ok := st.has(f); ok {
			v.pathField(raw, lintAt(loc, f), f, 0)
		}
	}
	if raw, ok := o.Get("Label"); ok {
		v.label(raw, loc+"/Label")
	}
	if raw, ok := o.Get("ItemReader"); ok {
		v.itemReader(st, raw, loc+"/ItemReader")
	}
	if raw, ok := o.Get("ItemBatcher"); ok {
		v.itemBatcher(st, raw, loc+"/ItemBatcher")
	}
	if raw, ok := o.Get("ResultWriter"); ok {
		v.resultWriter(st, raw, loc+"/ResultWriter")
	}
	for _, f := range []string{"ItemProcessor", "Iterator"} {
		raw, ok := o.Get(f)
		if !ok {
			continue
		}
		v.nested(loc, func() {
			v.subMachine(raw, lintAt(loc, f), true)
		})
		if p, ok := raw.(*jsonvalue.Object); ok {
			if cfg, ok := p.Get("ProcessorConfig"); ok {
				v.processorConfig(cfg, lintAt(loc, f)+"/ProcessorConfig")
			}
		}
	}
}

// intOrExpr checks an integer field in [min, max] that a JSONata state may
// also give as an expression.
func (v *validator) intOrExpr(st *lintState, raw any, loc string, min, max int64) {
	if s, isStr := raw.(string); isStr && st.jsonata {
		if !asl.IsJSONataString(s) {
			v.schema(loc, "Expected value of type [INTEGER] or a JSONata expression")
		}
		return
	}
	v.intRange(raw, loc, min, max)
}

// processorConfig checks a Map's ProcessorConfig: Mode INLINE (the default) or
// DISTRIBUTED, and for DISTRIBUTED the ExecutionType of the child workflows
// (STANDARD or EXPRESS), which that mode requires.
func (v *validator) processorConfig(raw any, loc string) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	for _, k := range o.Keys() {
		if k != "Mode" && k != "ExecutionType" {
			v.schema(loc, "Field '%s' is not supported", k)
		}
	}
	mode, hasMode := o.Get("Mode")
	if hasMode && mode != "INLINE" && mode != "DISTRIBUTED" {
		v.schema(loc+"/Mode", "The field 'Mode' should have one of these values: [INLINE, DISTRIBUTED]")
	}
	if et, ok := o.Get("ExecutionType"); ok {
		if et != "STANDARD" && et != "EXPRESS" {
			v.schema(loc+"/ExecutionType", "The field 'ExecutionType' should have one of these values: [STANDARD, EXPRESS]")
		}
	} else if mode == "DISTRIBUTED" {
		v.schema(loc, "These fields are required: [ExecutionType]")
	}
}

// lintLabelForbidden are the characters a Map Label cannot hold, besides
// whitespace and control characters.
const lintLabelForbidden = "<>{}[]?*\"#%\\^|~`$&,;:/"

// label checks a Map's Label: 1 to 40 characters, none of them whitespace,
// control characters or lintLabelForbidden, and unique in the definition.
func (v *validator) label(raw any, loc string) {
	s, ok := raw.(string)
	if !ok {
		v.schema(loc, "Expected value of type [STRING]")
		return
	}
	if s == "" {
		v.add(asl.SeverityError, asl.CodeInvalidLabelName, loc, "The Label must not be empty")
	}
	if utf8.RuneCountInString(s) > lintMaxLabelLen {
		v.add(asl.SeverityError, asl.CodeInvalidLabelName, loc, "The Label '%s' is longer than %d characters", s, lintMaxLabelLen)
	}
	for _, r := range s {
		if r <= 0x20 || r >= 0x7f && r <= 0xa0 || strings.ContainsRune(lintLabelForbidden, r) || r == 0x2028 || r == 0x2029 || r == 0x3000 || r == 0xfeff {
			v.add(asl.SeverityError, asl.CodeInvalidLabelName, loc, "Label contains invalid character: %s", lintQuoteRune(r))
			break
		}
	}
	if v.labels == nil {
		v.labels = make(map[string]string)
	}
	if prev, dup := v.labels[s]; dup {
		v.add(asl.SeverityError, asl.CodeDuplicateLabelName, loc, "Duplicate Label '%s' (also used at %s)", s, prev)
	} else {
		v.labels[s] = loc
	}
}

// lintQuoteRune shows a character of a message, escaping invisible ones.
func lintQuoteRune(r rune) string {
	if r < 0x20 || r >= 0x7f && r <= 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff {
		return strings.Trim(strings.Trim(lintQuoteASCII(r), "'"), "\"")
	}
	return "'" + string(r) + "'"
}

func lintQuoteASCII(r rune) string {
	const hex = "0123456789abcdef"
	if r < 0x100 {
		return `'\x` + string(hex[r>>4]) + string(hex[r&15]) + `'`
	}
	return `'\u` + string(hex[r>>12&15]) + string(hex[r>>8&15]) + string(hex[r>>4&15]) + string(hex[r&15]) + `'`
}

// The resources of a Distributed Map's ItemReader and ResultWriter.
var (
	lintItemReaderResources   = lintSet("s3:getObject", "s3:listObjectsV2")
	lintResultWriterResources = lintSet("s3:putObject")
)

// lintReaderEnums are the values of the enumerated ReaderConfig fields.
var lintReaderEnums = map[string][]string{
	"InputType":         {"CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"},
	"CSVHeaderLocation": {"FIRST_ROW", "GIVEN"},
	"CSVDelimiter":      {"COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"},
	"ManifestType":      {"ATHENA_DATA", "S3_INVENTORY"},
	"Transformation":    {"NONE", "LOAD_AND_FLATTEN"},
}

// lintStatesResource returns "<service>:<action>" for an ARN of the form
// arn:<partition>:states:::<service>:<action>.
func lintStatesResource(s string) (string, bool) {
	arn, ok := lintParseARN(s)
	if !ok || arn.service != "states" || arn.region != "" || arn.account != "" {
		return "", false
	}
	return arn.resource, true
}

// itemReader checks a Map's ItemReader: an S3 resource, its Parameters (or
// Arguments) and ReaderConfig.
func (v *validator) itemReader(st *lintState, raw any, loc string) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	v.dataFields(st, o, loc, "Resource", "Parameters", "Arguments", "ReaderConfig")
	v.requireFields(o, loc, "Resource")
	if r, ok := o.Get("Resource"); ok {
		res, isARN := lintStatesResource(lintString(r))
		if !isARN || !lintItemReaderResources[res] {
			v.schema(loc+"/Resource", "The field 'Resource' does not match any of the allowed values. Examples: [arn:<partition>:states:::s3:getObject, arn:<partition>:states:::s3:listObjectsV2]")
		}
	}
	cfgRaw, ok := o.Get("ReaderConfig")
	if !ok {
		return
	}
	cfgLoc := loc + "/ReaderConfig"
	cfg, ok := cfgRaw.(*jsonvalue.Object)
	if !ok {
		v.schema(cfgLoc, "Expected value of type [OBJECT]")
		return
	}
	for i, k := range cfg.Keys() {
		_, val := cfg.At(i)
		kloc := lintAt(cfgLoc, k)
		switch k {
		case "InputType", "CSVHeaderLocation", "CSVDelimiter", "ManifestType", "Transformation":
			allowed := lintReaderEnums[k]
			if s, _ := val.(string); !lintSet(allowed...)[s] {
				v.schema(kloc, "The field '%s' should have one of these values: [%s]", k, strings.Join(allowed, ", "))
			}
		case "CSVHeaders":
			arr, isArr := val.([]any)
			if !isArr {
				v.schema(kloc, "Expected value of type [ARRAY]")
				continue
			}
			for j, h := range arr {
				if _, isStr := h.(string); !isStr {
					v.schema(lintIndex(kloc, j), "Expected value of type [STRING]")
				}
			}
		case "MaxItems":
			v.intOrExpr(st, val, kloc, 1, 100000000)
		case "MaxItemsPath":
			if st.jsonata {
				v.languageMismatch(cfgLoc, k, true)
			} else {
				v.pathField(val, kloc, k, 0)
			}
		default:
			v.schema(cfgLoc, "Field '%s' is not supported", k)
		}
	}
	if lt, _ := cfg.Get("CSVHeaderLocation"); lt == "GIVEN" && !cfg.Has("CSVHeaders") {
		v.schema(cfgLoc, "These fields are required: [CSVHeaders]")
	}
	v.exclusive(cfg, cfgLoc, "MaxItems", "MaxItemsPath")
}

func lintString(raw any) string {
	s, _ := raw.(string)
	return s
}

// dataFields reports the fields of a Map's ItemReader or ResultWriter that are
// not in allowed, or that belong to the other query language (Parameters to
// JSONPath, Arguments to JSONata), and checks a JSONPath Parameters template.
func (v *validator) dataFields(st *lintState, o *jsonvalue.Object, loc string, allowed ...string) {
	ok := lintSet(allowed...)
	for i, k := range o.Keys() {
		_, val := o.At(i)
		switch {
		case !ok[k]:
			v.schema(loc, "Field '%s' is not supported", k)
		case k == "Parameters" && st.jsonata, k == "Arguments" && !st.jsonata:
			v.schema(lintAt(loc, k), "The field '%s' is not supported for the '%s' QueryLanguage", k, lintLanguageName(st.jsonata))
		case k == "Parameters":
			v.payloadTemplate(val, lintAt(loc, k))
		case k == "Arguments":
			v.jsonataArguments(val, lintAt(loc, k))
		}
	}
}

// itemBatcher checks a Map's ItemBatcher.
func (v *validator) itemBatcher(st *lintState, raw any, loc string) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	for i, k := range o.Keys() {
		_, val := o.At(i)
		kloc := lintAt(loc, k)
		switch k {
		case "MaxItemsPerBatch":
			v.intOrExpr(st, val, kloc, 1, 1<<62)
		case "MaxInputBytesPerBatch":
			v.intOrExpr(st, val, kloc, 1, 262144)
		case "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath":
			if st.jsonata {
				v.languageMismatch(loc, k, true)
			} else {
				v.pathField(val, kloc, k, 0)
			}
		case "BatchInput":
			if !st.jsonata {
				v.payloadTemplate(val, kloc)
			}
		default:
			v.schema(loc, "Field '%s' is not supported", k)
		}
	}
	v.exclusive(o, loc, "MaxItemsPerBatch", "MaxItemsPerBatchPath")
	v.exclusive(o, loc, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
}

// resultWriter checks a Map's ResultWriter: WriterConfig alone, Resource with
// Parameters (Arguments in JSONata), or all three.
func (v *validator) resultWriter(st *lintState, raw any, loc string) {
	o, ok := raw.(*jsonvalue.Object)
	if !ok {
		v.schema(loc, "Expected value of type [OBJECT]")
		return
	}
	v.dataFields(st, o, loc, "Resource", "Parameters", "Arguments", "WriterConfig")
	dest := "Parameters"
	if st.jsonata {
		dest = "Arguments"
	}
	hasRes, hasDest, hasCfg := o.Has("Resource"), o.Has(dest), o.Has("WriterConfig")
	if !hasCfg && !hasRes && !hasDest || hasRes != hasDest {
		v.schema(loc, "The field 'ResultWriter' must specify WriterConfig alone, Resource with %s, or all three fields", dest)
	}
	if r, ok := o.Get("Resource"); ok {
		res, isARN := lintStatesResource(lintString(r))
		if !isARN || !lintResultWriterResources[res] {
			v.schema(loc+"/Resource", "The field 'Resource' does not match the allowed value arn:<partition>:states:::s3:putObject")
		}
	}
	if c, ok := o.Get("WriterConfig"); ok {
		cloc := loc + "/WriterConfig"
		cfg, isObj := c.(*jsonvalue.Object)
		if !isObj {
			v.schema(cloc, "Expected value of type [OBJECT]")
			return
		}
		for i, k := range cfg.Keys() {
			_, val := cfg.At(i)
			switch k {
			case "Transformation":
				if val != "NONE" && val != "COMPACT" && val != "FLATTEN" {
					v.schema(lintAt(cloc, k), "The field 'Transformation' should have one of these values: [NONE, COMPACT, FLATTEN]")
				}
			case "OutputType":
				if val != "JSON" && val != "JSONL" {
					v.schema(lintAt(cloc, k), "The field 'OutputType' should have one of these values: [JSON, JSONL]")
				}
			default:
				v.schema(cloc, "Field '%s' is not supported", k)
			}
		}
		v.requireFields(cfg, cloc, "Transformation", "OutputType")
	}
}
