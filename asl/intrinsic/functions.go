package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stepd/stepd/budget"
	"github.com/stepd/stepd/jsonvalue"
)

// AWS's documented limits.
const (
	// MaxArrayRange is the most items States.ArrayRange may produce.
	MaxArrayRange = 1000
	// MaxBase64Input is the most characters States.Base64Encode and
	// States.Base64Decode accept.
	MaxBase64Input = 10000
	// MaxHashInput is the most characters States.Hash accepts.
	MaxHashInput = 10000
)

var specs = map[string]*spec{}

func init() {
	for _, s := range []*spec{
		{"Format", 1, -1, []param{pString, pAny}, fnFormat},
		{"StringToJson", 1, 1, []param{pString}, fnStringToJSON},
		{"JsonToString", 1, 1, []param{pAny}, fnJSONToString},
		{"Array", 0, -1, []param{pAny}, fnArray},
		{"ArrayPartition", 2, 2, []param{pArray, pInteger}, fnArrayPartition},
		{"ArrayContains", 2, 2, []param{pArray, pAny}, fnArrayContains},
		{"ArrayRange", 3, 3, []param{pInteger}, fnArrayRange},
		{"ArrayGetItem", 2, 2, []param{pArray, pInteger}, fnArrayGetItem},
		{"ArrayLength", 1, 1, []param{pArray}, fnArrayLength},
		{"ArrayUnique", 1, 1, []param{pArray}, fnArrayUnique},
		{"Base64Encode", 1, 1, []param{pString}, fnBase64Encode},
		{"Base64Decode", 1, 1, []param{pString}, fnBase64Decode},
		{"Hash", 2, 2, []param{pString}, fnHash},
		{"JsonMerge", 3, 3, []param{pObject, pObject, pBool}, fnJSONMerge},
		{"MathRandom", 2, 3, []param{pNumber}, fnMathRandom},
		{"MathAdd", 2, 2, []param{pNumber}, fnMathAdd},
		{"StringSplit", 2, 2, []param{pString}, fnStringSplit},
		{"UUID", 0, 0, nil, fnUUID},
	} {
		specs[s.name] = s
	}
}

func fnFormat(c *Call, r *run, args []any) (any, error) {
	tmpl := args[0].(string)
	var holes []int
	if c.args[0].kind == argLiteral {
		holes = c.args[0].holes
	} else {
		holes = findHoles(tmpl)
	}
	if len(holes) != len(args)-1 {
		return nil, errors.New(formatCountMessage(len(holes), len(args)-1))
	}
	b := make([]byte, 0, len(tmpl)+16*len(holes))
	last := 0
	for i, h := range holes {
		b = append(b, tmpl[last:h]...)
		n := len(b)
		b = appendFormatted(b, args[i+1])
		if err := r.b.Alloc(len(b) - n); err != nil {
			return nil, err
		}
		last = h + 2
	}
	b = append(b, tmpl[last:]...)
	return string(b), nil
}

// fnStringToJSON parses its argument. A blank string is null, as AWS answers for
// " " (Jackson reads no value from it).
func fnStringToJSON(_ *Call, r *run, args []any) (any, error) {
	s := args[0].(string)
	if err := r.b.Alloc(len(s)); err != nil { // what it parses, about what it builds
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := jsonvalue.ParseString(s)
	if err != nil {
		return nil, errors.New("The value of argument 1 of States.StringToJson must be a valid JSON text: " + err.Error())
	}
	return v, nil
}

func fnJSONToString(_ *Call, r *run, args []any) (any, error) {
	if err := r.b.Alloc(jsonvalue.Size(args[0])); err != nil {
		return nil, err
	}
	return jsonvalue.String(args[0]), nil
}

func fnArray(_ *Call, _ *run, args []any) (any, error) {
	return args, nil // eval made args for this call alone
}

func fnArrayPartition(_ *Call, _ *run, args []any) (any, error) {
	arr := args[0].([]any)
	size, _ := toInt("ArrayPartition", 1, args[1], false)
	if size <= 0 {
		return nil, errors.New("The value of argument 2 of States.ArrayPartition must be a positive integer, but was " + strconv.FormatInt(size, 10))
	}
	out := make([]any, 0, (len(arr)+int(size)-1)/int(size))
	for i := 0; i < len(arr); i += int(size) {
		out = append(out, arr[i:min(len(arr), i+int(size)):min(len(arr), i+int(size))])
	}
	return out, nil
}

func fnArrayContains(_ *Call, r *run, args []any) (any, error) {
	for _, e := range args[0].([]any) {
		if err := r.b.Step(); err != nil {
			return nil, err
		}
		if jacksonEqual(e, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(_ *Call, _ *run, args []any) (any, error) {
	start, _ := toInt("ArrayRange", 0, args[0], false)
	end, _ := toInt("ArrayRange", 1, args[1], false)
	step, _ := toInt("ArrayRange", 2, args[2], false)
	if step == 0 {
		return nil, errors.New("The value of argument 3 of States.ArrayRange must be a non-zero integer")
	}
	n := int64(0)
	if (step > 0 && end >= start) || (step < 0 && end <= start) {
		n = (end-start)/step + 1
	}
	if n > MaxArrayRange {
		return nil, errors.New("States.ArrayRange would create " + strconv.FormatInt(n, 10) +
			" items, more than the limit of " + strconv.Itoa(MaxArrayRange))
	}
	out := make([]any, n)
	for i := range out {
		out[i] = jsonvalue.Int(start + int64(i)*step)
	}
	return out, nil
}

func fnArrayGetItem(_ *Call, _ *run, args []any) (any, error) {
	arr := args[0].([]any)
	i, _ := toInt("ArrayGetItem", 1, args[1], false)
	if i < 0 || i >= int64(len(arr)) {
		return nil, errors.New("The index " + strconv.FormatInt(i, 10) + " of States.ArrayGetItem is out of bounds for an array of " + plural(len(arr), "item"))
	}
	return arr[i], nil
}

func fnArrayLength(_ *Call, _ *run, args []any) (any, error) {
	return jsonvalue.Int(int64(len(args[0].([]any)))), nil
}

// fnArrayUnique keeps the first of equal items, in order (a Java
// LinkedHashSet).
func fnArrayUnique(_ *Call, r *run, args []any) (any, error) {
	arr := args[0].([]any)
	out := make([]any, 0, len(arr))
next:
	for _, e := range arr {
		if err := r.b.Steps(len(out) + 1); err != nil { // it compares e with each item kept
			return nil, err
		}
		for _, seen := range out {
			if jacksonEqual(e, seen) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func checkLength(fn string, s string, limit int) error {
	if n := jsonvalue.UTF16Len(s); n > limit {
		return errors.New("The value of argument 1 of States." + fn + " must have at most " +
			strconv.Itoa(limit) + " characters, but has " + strconv.Itoa(n))
	}
	return nil
}

func fnBase64Encode(_ *Call, _ *run, args []any) (any, error) {
	s := args[0].(string)
	if err := checkLength("Base64Encode", s, MaxBase64Input); err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

// fnBase64Decode accepts what Java's basic Base64 decoder accepts: the standard
// alphabet, padding optional, no line breaks. Bytes that are not UTF-8 become
// U+FFFD, as Java's String constructor replaces them.
func fnBase64Decode(_ *Call, _ *run, args []any) (any, error) {
	s := args[0].(string)
	if err := checkLength("Base64Decode", s, MaxBase64Input); err != nil {
		return nil, err
	}
	trimmed := strings.TrimRight(s, "=")
	var b []byte
	var err error
	if len(s)-len(trimmed) > 2 || (len(s) != len(trimmed) && len(s)%4 != 0) {
		err = errors.New("bad padding")
	} else {
		b, err = base64.RawStdEncoding.DecodeString(trimmed)
	}
	if err != nil {
		return nil, errors.New("The value of argument 1 of States.Base64Decode must be valid Base64, but was " + truncate(strconv.Quote(s)))
	}
	if !utf8.Valid(b) {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	return string(b), nil
}

var hashes = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func hashAlgorithmMessage(name string) string {
	return "The value of argument 2 of States.Hash must be one of " + "MD5, SHA-1, SHA-256, SHA-384, SHA-512" +
		", but was " + strconv.Quote(name)
}

// fnHash returns the lower-case hex digest of the UTF-8 bytes of its input.
func fnHash(_ *Call, _ *run, args []any) (any, error) {
	s := args[0].(string)
	if err := checkLength("Hash", s, MaxHashInput); err != nil {
		return nil, err
	}
	newHash, ok := hashes[args[1].(string)]
	if !ok {
		return nil, errors.New(hashAlgorithmMessage(args[1].(string)))
	}
	h := newHash()
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fnJSONMerge merges the second object into the first, shallowly: a key of the
// second replaces the first's value in its position (Jackson's setAll on a
// LinkedHashMap); new keys follow.
func fnJSONMerge(_ *Call, _ *run, args []any) (any, error) {
	if args[2].(bool) {
		return nil, errors.New("States.JsonMerge does not support deep merging: its third argument must be false")
	}
	a, b := args[0].(*jsonvalue.Object), args[1].(*jsonvalue.Object)
	out := jsonvalue.NewObject(a.Len() + b.Len())
	for k, v := range a.All() {
		out.Set(k, v)
	}
	for k, v := range b.All() {
		out.Set(k, v)
	}
	return out, nil
}

// fnMathRandom returns an integer n with start <= n < end. Non-integer bounds
// are rounded (Java's Math.round). With a seed the result depends only on the
// seed and the bounds: it is what Java's new Random(seed) draws.
func fnMathRandom(c *Call, r *run, args []any) (any, error) {
	start, err := toInt("MathRandom", 0, args[0], true)
	if err != nil {
		return nil, err
	}
	end, err := toInt("MathRandom", 1, args[1], true)
	if err != nil {
		return nil, err
	}
	if end <= start {
		if end == start {
			return jsonvalue.Int(start), nil
		}
		return nil, errors.New("The value of argument 2 of States.MathRandom (" + strconv.FormatInt(end, 10) +
			") must not be less than argument 1 (" + strconv.FormatInt(start, 10) + ")")
	}
	if len(args) == 3 {
		seed, err := toInt("MathRandom", 2, args[2], true)
		if err != nil {
			return nil, err
		}
		return jsonvalue.Int(start + newJavaRandom(seed).boundedInt64(end-start)), nil
	}
	return jsonvalue.Int(r.env.RandomInt(start, end)), nil
}

// fnMathAdd adds two integers; non-integers are first rounded as Java's
// Math.round does (recorded: 1.49 + 1.5 = 3, -2.5 + 0 = -2).
func fnMathAdd(_ *Call, _ *run, args []any) (any, error) {
	a, err := toInt("MathAdd", 0, args[0], true)
	if err != nil {
		return nil, err
	}
	b, err := toInt("MathAdd", 1, args[1], true)
	if err != nil {
		return nil, err
	}
	return jsonvalue.Int(a + b), nil
}

// fnStringSplit splits at every character of the second argument and drops
// the empty pieces, as Java's StringTokenizer does (recorded: ",,,," splits
// into []).
func fnStringSplit(_ *Call, run *run, args []any) (any, error) {
	s, delims := args[0].(string), args[1].(string)
	// it reads the delimiters once for each character
	if err := run.b.Steps(len(s) / budget.ItemBytes * (len(delims)/budget.ItemBytes + 1)); err != nil {
		return nil, err
	}
	out := []any{}
	start := -1
	for i, r := range s {
		if strings.ContainsRune(delims, r) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out, nil
}

func fnUUID(_ *Call, r *run, _ []any) (any, error) {
	return r.env.UUID(), nil
}

// javaRandom is java.util.Random's linear congruential generator, so that a
// seeded States.MathRandom answers what AWS's Java answers.
type javaRandom struct{ seed int64 }

const (
	javaMultiplier = 0x5DEECE66D
	javaMask       = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (seed ^ javaMultiplier) & javaMask}
}

func (r *javaRandom) next(bits uint) int32 {
	r.seed = (r.seed*javaMultiplier + 0xB) & javaMask
	return int32(uint64(r.seed) >> (48 - bits))
}

// nextInt is Random.nextInt(bound) for 0 < bound <= 2^31-1.
func (r *javaRandom) nextInt(bound int32) int32 {
	if bound&(-bound) == bound {
		return int32((int64(bound) * int64(r.next(31))) >> 31)
	}
	for {
		bits := r.next(31)
		val := bits % bound
		if bits-val+(bound-1) >= 0 {
			return val
		}
	}
}

func (r *javaRandom) nextLong() int64 {
	return int64(r.next(32))<<32 + int64(r.next(32))
}

func (r *javaRandom) boundedInt64(n int64) int64 {
	if n <= maxInt {
		return int64(r.nextInt(int32(n)))
	}
	v := r.nextLong() % n
	if v < 0 {
		v += n
	}
	return v
}
