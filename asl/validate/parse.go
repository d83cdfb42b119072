package validate

import "github.com/stepd/stepd/asl"

// Parse reads, validates and builds a definition: asl.ReadDocument, Document,
// then asl.Build. A definition with any ERROR diagnostic fails with an
// *asl.DefinitionError listing them all. It lives here, not in asl, because the
// validator reads asl's diagnostics and builds on its model: asl cannot import
// it back.
func Parse(text []byte, opts Options) (*asl.Definition, error) {
	doc, diags := asl.ReadDocument(text)
	if doc != nil {
		diags = append(diags, Document(doc, opts)...)
	}
	var errs []asl.Diagnostic
	for _, d := range diags {
		if d.Severity != asl.SeverityWarning {
			errs = append(errs, d)
		}
	}
	if len(errs) > 0 {
		return nil, &asl.DefinitionError{Diagnostics: errs}
	}
	return asl.Build(doc)
}
