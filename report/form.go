package report

import (
	"encoding/json"
	"strings"
)

// FormFieldsJSON turns the values of a posted HTML report form (a url.Values) into the JSON
// object of fields Decode reads, for every form that files a report: the public one and the
// outreach staff's. Only the schema's names are read, so anything else a client adds to the
// post is ignored rather than stored; a list field is one entry per line.
func FormFieldsJSON(kind Kind, form map[string][]string) ([]byte, error) {
	out := map[string]any{}
	for _, f := range Schema(kind) {
		vals, ok := form[f.Name]
		if !ok || len(vals) == 0 {
			continue
		}
		switch f.Type {
		case TypeMulti:
			out[f.Name] = vals
		case TypeList:
			var items []string
			for _, line := range strings.Split(strings.Join(vals, "\n"), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					items = append(items, line)
				}
			}
			if len(items) > 0 {
				out[f.Name] = items
			}
		default:
			if v := vals[0]; v != "" {
				out[f.Name] = v
			}
		}
	}
	return json.Marshal(out)
}
