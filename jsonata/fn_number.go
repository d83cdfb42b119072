package jsonata

import (
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/stepd/stepd/jsonvalue"
)

func init() {
	define("sum", "<a<n>:n>", 1, func(c *Call, a []any) (any, error) {
		vals, ok := arrayVals(a[0])
		if !ok {
			return Undefined, nil
		}
		total := 0.0
		for _, v := range vals {
			f, _ := toFloat(v)
			total += f
		}
		return total, nil
	})
	define("count", "<a:n>", 1, func(c *Call, a []any) (any, error) {
		vals, _ := arrayVals(a[0])
		return float64(len(vals)), nil
	})
	define("max", "<a<n>:n>", 1, func(c *Call, a []any) (any, error) { return extreme(a[0], 1) })
	define("min", "<a<n>:n>", 1, func(c *Call, a []any) (any, error) { return extreme(a[0], -1) })
	define("average", "<a<n>:n>", 1, func(c *Call, a []any) (any, error) {
		vals, ok := arrayVals(a[0])
		if !ok || len(vals) == 0 {
			return Undefined, nil
		}
		total := 0.0
		for _, v := range vals {
			f, _ := toFloat(v)
			total += f
		}
		return total / float64(len(vals)), nil
	})
	define("number", "<(nsb)-:n>", 1, fnNumber)
	define("floor", "<n-:n>", 1, mathFunc(math.Floor))
	define("ceil", "<n-:n>", 1, mathFunc(math.Ceil))
	define("abs", "<n-:n>", 1, mathFunc(math.Abs))
	define("round", "<n-n?:n>", 2, func(c *Call, a []any) (any, error) {
		f, ok := toFloat(a[0])
		if !ok {
			return Undefined, nil
		}
		p, _ := toFloat(arg(a, 1))
		return roundHalfEven(f, p), nil
	})
	define("sqrt", "<n-:n>", 1, func(c *Call, a []any) (any, error) {
		f, ok := toFloat(a[0])
		if !ok {
			return Undefined, nil
		}
		if f < 0 {
			e := newError("D3060", a[0])
			e.Index = 1
			return nil, e
		}
		return math.Sqrt(f), nil
	})
	define("power", "<n-n:n>", 2, func(c *Call, a []any) (any, error) {
		f, ok := toFloat(a[0])
		if !ok {
			return Undefined, nil
		}
		x, _ := toFloat(arg(a, 1))
		r := jsPow(f, x)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			e := newError("D3061", a[0])
			e.Index = 1
			e.exp = formatJSNumber(x)
			return nil, e
		}
		return r, nil
	})
	define("random", "<:n>", 0, func(c *Call, a []any) (any, error) { return c.ev.randomNumber() })
	define("boolean", "<x-:b>", 1, func(c *Call, a []any) (any, error) {
		b, ok, err := toBoolean(a[0])
		if err != nil || !ok {
			return Undefined, err
		}
		return b, nil
	})
	define("not", "<x-:b>", 1, func(c *Call, a []any) (any, error) {
		b, ok, err := toBoolean(a[0])
		if err != nil || !ok {
			return Undefined, err
		}
		return !b, nil
	})
	define("formatNumber", "<n-so?:s>", 3, fnFormatNumber)
	define("formatBase", "<n-n?:s>", 2, fnFormatBase)
}

func mathFunc(f func(float64) float64) func(c *Call, a []any) (any, error) {
	return func(c *Call, a []any) (any, error) {
		x, ok := toFloat(a[0])
		if !ok {
			return Undefined, nil
		}
		return f(x), nil
	}
}

// jsPow is Math.pow, which differs from math.Pow for a base of ±1 and an
// infinite or NaN exponent.
func jsPow(x, y float64) float64 {
	if math.IsNaN(y) {
		return math.NaN()
	}
	if (x == 1 || x == -1) && math.IsInf(y, 0) {
		return math.NaN()
	}
	return math.Pow(x, y)
}

func extreme(v any, sign float64) (any, error) {
	vals, ok := arrayVals(v)
	if !ok || len(vals) == 0 {
		return Undefined, nil
	}
	best := math.Inf(-int(sign))
	for _, e := range vals {
		f, _ := toFloat(e)
		if math.IsNaN(f) {
			return math.NaN(), nil
		}
		if f*sign > best*sign {
			best = f
		}
	}
	return best, nil
}

var (
	decimalNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`)
	prefixedInt   = regexp.MustCompile(`^(0[xX][0-9A-Fa-f]+)|(0[oO][0-7]+)|(0[bB][0-1]+)$`)
)

func fnNumber(c *Call, a []any) (any, error) {
	switch x := a[0].(type) {
	case undefinedType:
		return Undefined, nil
	case float64, jsonvalue.Number, int, int64:
		return x, nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case string:
		if decimalNumber.MatchString(x) {
			if f, err := strconv.ParseFloat(x, 64); err == nil && !math.IsInf(f, 0) {
				return f, nil
			}
		}
		if prefixedInt.MatchString(x) {
			// Number() ignores surrounding white space
			x := strings.TrimSpace(x)
			if len(x) > 2 {
				base := 0
				switch x[1] {
				case 'x', 'X':
					base = 16
				case 'o', 'O':
					base = 8
				case 'b', 'B':
					base = 2
				}
				if base != 0 {
					if v, ok := new(big.Int).SetString(x[2:], base); ok {
						f, _ := new(big.Float).SetInt(v).Float64()
						return f, nil
					}
				}
			}
			return math.NaN(), nil
		}
	}
	e := newError("D3030", a[0])
	e.Index = 1
	return nil, e
}

// jsRound is Math.round: halves round towards +∞.
func jsRound(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	f := math.Floor(x)
	if x-f >= 0.5 {
		f++
	}
	if f == 0 && math.Signbit(x) {
		return math.Copysign(0, -1)
	}
	return f
}

// roundHalfEven is $round: rounding to precision decimal places, halves to
// even, shifting the decimal point in the number's text as jsonata-js does to
// avoid binary noise.
func roundHalfEven(arg, precision float64) float64 {
	shift := func(v, by float64) float64 {
		s := formatJSNumber(v)
		mant, exp := s, 0.0
		if i := strings.IndexByte(s, 'e'); i >= 0 {
			mant = s[:i]
			exp, _ = strconv.ParseFloat(strings.TrimPrefix(s[i+1:], "+"), 64)
		}
		r, err := strconv.ParseFloat(mant+"e"+formatJSNumber(exp+by), 64)
		if err != nil && r == 0 {
			return math.NaN()
		}
		return r
	}
	if precision != 0 {
		arg = shift(arg, precision)
	}
	result := jsRound(arg)
	diff := result - arg
	if math.Abs(diff) == 0.5 && math.Abs(math.Mod(result, 2)) == 1 {
		result--
	}
	if precision != 0 {
		result = shift(result, -precision)
	}
	if result == 0 {
		result = 0 // no -0 in JSON
	}
	return result
}

func fnFormatBase(c *Call, a []any) (any, error) {
	f, ok := toFloat(a[0])
	if !ok {
		return Undefined, nil
	}
	value := roundHalfEven(f, 0)
	radix := 10.0
	if r, ok := toFloat(arg(a, 1)); ok {
		radix = roundHalfEven(r, 0)
	}
	if radix < 2 || radix > 36 {
		return nil, newError("D3100", radix)
	}
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return formatJSNumber(value), nil
	}
	if math.Abs(value) < 1<<62 {
		return strconv.FormatInt(int64(value), int(radix)), nil
	}
	bf := new(big.Float).SetFloat64(value)
	bi, _ := bf.Int(nil)
	return bi.Text(int(radix)), nil
}

// toFixed is Number.prototype.toFixed: exact decimal rounding, halves away
// from zero.
func toFixed(x float64, digits int) string {
	if math.Abs(x) >= 1e21 || math.IsNaN(x) || math.IsInf(x, 0) {
		return formatJSNumber(x)
	}
	r := new(big.Rat).SetFloat64(math.Abs(x))
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	r.Mul(r, new(big.Rat).SetInt(scale))
	// round half up
	r.Add(r, big.NewRat(1, 2))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	s := n.String()
	if digits > 0 {
		if len(s) <= digits {
			s = strings.Repeat("0", digits-len(s)+1) + s
		}
		s = s[:len(s)-digits] + "." + s[len(s)-digits:]
	}
	if x < 0 && strings.Trim(s, "0.") != "" {
		s = "-" + s
	}
	return s
}

type numberFormatProperties struct {
	decimalSep, groupingSep, exponentSep, infinity, minusSign, nan, percent, perMille, zeroDigit, digit, patternSep string
}

type pictureParts struct {
	prefix, suffix, activePart, mantissaPart, integerPart, fractionalPart, subpicture []rune
	exponentPart                                                                      []rune
	hasExponent                                                                       bool
}

type pictureVars struct {
	integerPartGroupingPositions    []int
	regularGrouping                 int
	minimumIntegerPartSize          int
	scalingFactor                   int
	prefix, suffix                  string
	fractionalPartGroupingPositions []int
	minimumFactionalPartSize        int
	maximumFactionalPartSize        int
	minimumExponentSize             int
	picture                         []rune
}

func runeIndex(s []rune, r []rune, from int) int {
	if len(r) == 0 {
		if from <= len(s) {
			return from
		}
		return -1
	}
	for i := max(from, 0); i+len(r) <= len(s); i++ {
		if string(s[i:i+len(r)]) == string(r) {
			return i
		}
	}
	return -1
}

func runeLastIndex(s []rune, r []rune) int {
	for i := len(s) - len(r); i >= 0; i-- {
		if string(s[i:i+len(r)]) == string(r) {
			return i
		}
	}
	return -1
}

func fnFormatNumber(c *Call, a []any) (any, error) {
	value, ok := toFloat(a[0])
	if !ok {
		return Undefined, nil
	}
	picture, _ := arg(a, 1).(string)
	props := numberFormatProperties{
		decimalSep: ".", groupingSep: ",", exponentSep: "e", infinity: "Infinity", minusSign: "-",
		nan: "NaN", percent: "%", perMille: "\u2030", zeroDigit: "0", digit: "#", patternSep: ";",
	}
	if o, ok := arg(a, 2).(*jsonvalue.Object); ok {
		for i := 0; i < o.Len(); i++ {
			k, v := o.At(i)
			s, _ := v.(string)
			switch k {
			case "decimal-separator":
				props.decimalSep = s
			case "grouping-separator":
				props.groupingSep = s
			case "exponent-separator":
				props.exponentSep = s
			case "infinity":
				props.infinity = s
			case "minus-sign":
				props.minusSign = s
			case "NaN":
				props.nan = s
			case "percent":
				props.percent = s
			case "per-mille":
				props.perMille = s
			case "zero-digit":
				props.zeroDigit = s
			case "digit":
				props.digit = s
			case "pattern-separator":
				props.patternSep = s
			}
		}
	}
	zeroRunes := []rune(props.zeroDigit)
	zero := '0'
	if len(zeroRunes) > 0 {
		zero = zeroRunes[0]
	}
	var family []rune
	for i := range rune(10) {
		family = append(family, zero+i)
	}
	isDigit := func(r rune) bool { return r >= zero && r < zero+10 }
	first := func(s string) rune {
		for _, r := range s {
			return r
		}
		return -1
	}
	dsep, gsep, esep, digit, psep := first(props.decimalSep), first(props.groupingSep), first(props.exponentSep), first(props.digit), first(props.patternSep)
	isActive := func(r rune) bool {
		return isDigit(r) || r == dsep || r == esep || r == gsep || r == digit || r == psep
	}
	var subPictures []string
	if props.patternSep == "" {
		subPictures = []string{picture}
	} else {
		subPictures = strings.Split(picture, props.patternSep)
	}
	if len(subPictures) > 2 {
		return nil, newError("D3080", Undefined)
	}
	splitParts := func(sub string) pictureParts {
		sp := []rune(sub)
		var p pictureParts
		p.subpicture = sp
		for i, r := range sp {
			if isActive(r) && r != esep {
				p.prefix = sp[:i]
				break
			}
		}
		for i := len(sp) - 1; i >= 0; i-- {
			if isActive(sp[i]) && sp[i] != esep {
				p.suffix = sp[i+1:]
				break
			}
		}
		p.activePart = sp[len(p.prefix) : len(sp)-len(p.suffix)]
		expPos := runeIndex(sp, []rune(props.exponentSep), len(p.prefix))
		if expPos == -1 || expPos > len(sp)-len(p.suffix) {
			p.mantissaPart = p.activePart
		} else {
			p.mantissaPart = p.activePart[:min(expPos, len(p.activePart))]
			p.exponentPart = p.activePart[min(expPos+1, len(p.activePart)):]
			p.hasExponent = true
		}
		dp := runeIndex(p.mantissaPart, []rune(props.decimalSep), 0)
		if dp == -1 {
			p.integerPart = p.mantissaPart
			p.fractionalPart = p.suffix
		} else {
			p.integerPart = p.mantissaPart[:dp]
			p.fractionalPart = p.mantissaPart[dp+1:]
		}
		return p
	}
	validate := func(p pictureParts) error {
		code := ""
		sp := p.subpicture
		decPos := runeIndex(sp, []rune(props.decimalSep), 0)
		if decPos != runeLastIndex(sp, []rune(props.decimalSep)) {
			code = "D3081"
		}
		if runeIndex(sp, []rune(props.percent), 0) != runeLastIndex(sp, []rune(props.percent)) {
			code = "D3082"
		}
		if runeIndex(sp, []rune(props.perMille), 0) != runeLastIndex(sp, []rune(props.perMille)) {
			code = "D3083"
		}
		if runeIndex(sp, []rune(props.percent), 0) != -1 && runeIndex(sp, []rune(props.perMille), 0) != -1 {
			code = "D3084"
		}
		valid := false
		for _, r := range p.mantissaPart {
			if isDigit(r) || r == digit {
				valid = true
				break
			}
		}
		if !valid {
			code = "D3085"
		}
		for _, r := range p.activePart {
			if !isActive(r) {
				code = "D3086"
			}
		}
		if decPos != -1 {
			if (decPos > 0 && sp[decPos-1] == gsep) || (decPos+1 < len(sp) && sp[decPos+1] == gsep) {
				code = "D3087"
			}
		} else if len(p.integerPart) > 0 && p.integerPart[len(p.integerPart)-1] == gsep {
			code = "D3088"
		}
		if runeIndex(sp, []rune(props.groupingSep+props.groupingSep), 0) != -1 {
			code = "D3089"
		}
		if pos := runeIndex(p.integerPart, []rune(props.digit), 0); pos != -1 {
			for _, r := range p.integerPart[:pos] {
				if isDigit(r) {
					code = "D3090"
				}
			}
		}
		if pos := runeLastIndex(p.fractionalPart, []rune(props.digit)); pos != -1 {
			for _, r := range p.fractionalPart[pos:] {
				if isDigit(r) {
					code = "D3091"
				}
			}
		}
		if p.hasExponent && len(p.exponentPart) > 0 && (runeIndex(sp, []rune(props.percent), 0) != -1 || runeIndex(sp, []rune(props.perMille), 0) != -1) {
			code = "D3092"
		}
		if p.hasExponent {
			bad := len(p.exponentPart) == 0
			for _, r := range p.exponentPart {
				if !isDigit(r) {
					bad = true
				}
			}
			if bad {
				code = "D3093"
			}
		}
		if code != "" {
			return newError(code, Undefined)
		}
		return nil
	}
	analyse := func(p pictureParts) pictureVars {
		groupingPositions := func(part []rune, toLeft bool) []int {
			var positions []int
			gp := runeIndex(part, []rune(props.groupingSep), 0)
			for gp != -1 {
				var seg []rune
				if toLeft {
					seg = part[:gp]
				} else {
					seg = part[gp:]
				}
				n := 0
				for _, r := range seg {
					if isDigit(r) || r == digit {
						n++
					}
				}
				positions = append(positions, n)
				gp = runeIndex(p.integerPart, []rune(props.groupingSep), gp+1)
			}
			return positions
		}
		intPositions := groupingPositions(p.integerPart, false)
		regular := func(idx []int) int {
			if len(idx) == 0 {
				return 0
			}
			gcd := func(a, b int) int {
				for b != 0 {
					a, b = b, a%b
				}
				return a
			}
			factor := idx[0]
			for _, v := range idx[1:] {
				factor = gcd(factor, v)
			}
			for i := 1; i <= len(idx); i++ {
				found := false
				for _, v := range idx {
					if v == i*factor {
						found = true
					}
				}
				if !found {
					return 0
				}
			}
			return factor
		}
		var v pictureVars
		v.integerPartGroupingPositions = intPositions
		v.regularGrouping = regular(intPositions)
		v.fractionalPartGroupingPositions = groupingPositions(p.fractionalPart, true)
		for _, r := range p.integerPart {
			if isDigit(r) {
				v.minimumIntegerPartSize++
			}
		}
		v.scalingFactor = v.minimumIntegerPartSize
		for _, r := range p.fractionalPart {
			if isDigit(r) {
				v.minimumFactionalPartSize++
			}
			if isDigit(r) || r == digit {
				v.maximumFactionalPartSize++
			}
		}
		if v.minimumIntegerPartSize == 0 && v.maximumFactionalPartSize == 0 {
			if p.hasExponent {
				v.minimumFactionalPartSize = 1
				v.maximumFactionalPartSize = 1
			} else {
				v.minimumIntegerPartSize = 1
			}
		}
		if p.hasExponent && v.minimumIntegerPartSize == 0 && runeIndex(p.integerPart, []rune(props.digit), 0) != -1 {
			v.minimumIntegerPartSize = 1
		}
		if v.minimumIntegerPartSize == 0 && v.minimumFactionalPartSize == 0 {
			v.minimumFactionalPartSize = 1
		}
		if p.hasExponent {
			for _, r := range p.exponentPart {
				if isDigit(r) {
					v.minimumExponentSize++
				}
			}
		}
		v.prefix = string(p.prefix)
		v.suffix = string(p.suffix)
		v.picture = p.subpicture
		return v
	}
	parts := make([]pictureParts, len(subPictures))
	for i, sp := range subPictures {
		parts[i] = splitParts(sp)
	}
	for _, p := range parts {
		if err := validate(p); err != nil {
			return nil, err
		}
	}
	vars := make([]pictureVars, len(parts))
	for i, p := range parts {
		vars[i] = analyse(p)
	}
	if len(vars) == 1 {
		neg := vars[0]
		neg.prefix = props.minusSign + neg.prefix
		vars = append(vars, neg)
	}
	pic := vars[0]
	if !(value >= 0) {
		pic = vars[1]
	}
	adjusted := value
	if runeIndex(pic.picture, []rune(props.percent), 0) != -1 {
		adjusted = value * 100
	} else if runeIndex(pic.picture, []rune(props.perMille), 0) != -1 {
		adjusted = value * 1000
	}
	mantissa := adjusted
	exponent := 0
	hasExponent := pic.minimumExponentSize != 0
	if hasExponent {
		maxM := math.Pow(10, float64(pic.scalingFactor))
		minM := math.Pow(10, float64(pic.scalingFactor-1))
		if mantissa != 0 {
			for math.Abs(mantissa) < minM {
				mantissa *= 10
				exponent--
			}
			for math.Abs(mantissa) > maxM {
				mantissa /= 10
				exponent++
			}
		}
	}
	rounded := roundHalfEven(mantissa, float64(pic.maximumFactionalPartSize))
	makeString := func(v float64, dp int) []rune {
		s := toFixed(math.Abs(v), dp)
		rs := []rune(s)
		if zero != '0' {
			for i, r := range rs {
				if r >= '0' && r <= '9' {
					rs[i] = family[r-'0']
				}
			}
		}
		return rs
	}
	str := makeString(rounded, pic.maximumFactionalPartSize)
	dsepRunes := []rune(props.decimalSep)
	if i := runeIndex(str, []rune("."), 0); i == -1 {
		str = append(str, dsepRunes...)
	} else {
		str = append(append(append([]rune{}, str[:i]...), dsepRunes...), str[i+1:]...)
	}
	for len(str) > 0 && str[0] == zero {
		str = str[1:]
	}
	for len(str) > 0 && str[len(str)-1] == zero {
		str = str[:len(str)-1]
	}
	decPos := runeIndex(str, dsepRunes, 0)
	padLeft := pic.minimumIntegerPartSize - decPos
	padRight := pic.minimumFactionalPartSize - (len(str) - decPos - 1)
	if padLeft > 0 {
		str = append([]rune(strings.Repeat(string(zero), padLeft)), str...)
	}
	if padRight > 0 {
		str = append(str, []rune(strings.Repeat(string(zero), padRight))...)
	}
	decPos = runeIndex(str, dsepRunes, 0)
	gsepRunes := []rune(props.groupingSep)
	insert := func(s []rune, at int, ins []rune) []rune {
		if at < 0 {
			at = 0
		}
		if at > len(s) {
			at = len(s)
		}
		out := make([]rune, 0, len(s)+len(ins))
		out = append(out, s[:at]...)
		out = append(out, ins...)
		return append(out, s[at:]...)
	}
	if pic.regularGrouping > 0 {
		groupCount := (decPos - 1) / pic.regularGrouping
		for g := 1; g <= groupCount; g++ {
			str = insert(str, decPos-g*pic.regularGrouping, gsepRunes)
		}
	} else {
		for _, pos := range pic.integerPartGroupingPositions {
			str = insert(str, decPos-pos, gsepRunes)
			decPos++
		}
	}
	decPos = runeIndex(str, dsepRunes, 0)
	for _, pos := range pic.fractionalPartGroupingPositions {
		str = insert(str, pos+decPos+1, gsepRunes)
	}
	decPos = runeIndex(str, dsepRunes, 0)
	if runeIndex(pic.picture, dsepRunes, 0) == -1 || decPos == len(str)-1 {
		str = str[:len(str)-1]
	}
	if hasExponent {
		se := makeString(float64(exponent), 0)
		if pl := pic.minimumExponentSize - len(se); pl > 0 {
			se = append([]rune(strings.Repeat(string(zero), pl)), se...)
		}
		sign := ""
		if exponent < 0 {
			sign = props.minusSign
		}
		str = append(append(str, []rune(props.exponentSep+sign)...), se...)
	}
	return pic.prefix + string(str) + pic.suffix, nil
}
