package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

func init() {
	define("formatInteger", "<n-s:s>", 2, func(c *Call, a []any) (any, error) {
		f, ok := toFloat(a[0])
		if !ok {
			return Undefined, nil
		}
		picture, _ := arg(a, 1).(string)
		format, err := analyseIntegerPicture(picture)
		if err != nil {
			return nil, err
		}
		return formatIntegerValue(math.Floor(f), format)
	})
	define("parseInteger", "<s-s:n>", 2, func(c *Call, a []any) (any, error) {
		s, ok := a[0].(string)
		if !ok {
			return Undefined, nil
		}
		picture, _ := arg(a, 1).(string)
		format, err := analyseIntegerPicture(picture)
		if err != nil {
			return nil, err
		}
		m, err := integerMatcher(format)
		if err != nil {
			return nil, err
		}
		return m.parse(s), nil
	})
	define("now", "<s?s?:s>", 2, func(c *Call, a []any) (any, error) {
		now, err := c.ev.clockNow()
		if err != nil {
			return nil, err
		}
		return formatDateTime(float64(now.UnixMilli()), arg(a, 0), arg(a, 1))
	})
	define("millis", "<:n>", 0, func(c *Call, a []any) (any, error) {
		now, err := c.ev.clockNow()
		if err != nil {
			return nil, err
		}
		return float64(now.UnixMilli()), nil
	})
	define("fromMillis", "<n-s?s?:s>", 3, func(c *Call, a []any) (any, error) {
		f, ok := toFloat(a[0])
		if !ok {
			return Undefined, nil
		}
		return formatDateTime(f, arg(a, 1), arg(a, 2))
	})
	define("toMillis", "<s-s?:n>", 2, func(c *Call, a []any) (any, error) {
		s, ok := a[0].(string)
		if !ok {
			return Undefined, nil
		}
		if picture, ok := arg(a, 1).(string); ok {
			now, err := c.ev.clockNow()
			if err != nil {
				return nil, err
			}
			return parseDateTime(s, picture, now)
		}
		millis, ok := parseISO(s)
		if !ok {
			return nil, newError("D3110", s)
		}
		return millis, nil
	})
}

var (
	few       = []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	ordinals  = []string{"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth", "Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"}
	decades   = []string{"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"}
	magnitude = []string{"Thousand", "Million", "Billion", "Trillion"}
	days      = []string{"", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}
	months    = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

func numberToWords(value float64, ordinal bool) string {
	var lookup func(num float64, prev, ord bool) string
	lookup = func(num float64, prev, ord bool) string {
		words := ""
		switch {
		case num <= 19:
			if prev {
				words = " and "
			}
			if ord {
				words += ordinals[int(num)]
			} else {
				words += few[int(num)]
			}
		case num < 100:
			tens := int(math.Floor(num / 10))
			rem := math.Mod(num, 10)
			if prev {
				words = " and "
			}
			words += decades[tens-2]
			if rem > 0 {
				words += "-" + lookup(rem, false, ord)
			} else if ord {
				words = words[:len(words)-1] + "ieth"
			}
		case num < 1000:
			hundreds := int(math.Floor(num / 100))
			rem := math.Mod(num, 100)
			if prev {
				words = ", "
			}
			words += few[hundreds] + " Hundred"
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		default:
			mag := int(math.Floor(math.Log10(num) / 3))
			if mag > len(magnitude) {
				mag = len(magnitude)
			}
			factor := math.Pow(10, float64(mag*3))
			mant := math.Floor(num / factor)
			rem := num - mant*factor
			if prev {
				words = ", "
			}
			words += lookup(mant, false, false) + " " + magnitude[mag-1]
			if rem > 0 {
				words += lookup(rem, true, ord)
			} else if ord {
				words += "th"
			}
		}
		return words
	}
	return lookup(value, false, ordinal)
}

// wordValues maps lower-case number words to values; wordList keeps them in
// jsonata-js's order, for the parsing regex.
var (
	wordValues = map[string]float64{}
	wordList   []string
)

func init() {
	add := func(w string, v float64) {
		if _, ok := wordValues[w]; !ok {
			wordList = append(wordList, w)
		}
		wordValues[w] = v
	}
	for i, w := range few {
		add(strings.ToLower(w), float64(i))
	}
	for i, w := range ordinals {
		add(strings.ToLower(w), float64(i))
	}
	for i, w := range decades {
		lw := strings.ToLower(w)
		add(lw, float64((i+2)*10))
		add(lw[:len(lw)-1]+"ieth", float64((i+2)*10))
	}
	add("hundredth", 100)
	for i, w := range magnitude {
		lw := strings.ToLower(w)
		v := math.Pow(10, float64((i+1)*3))
		add(lw, v)
		add(lw+"th", v)
	}
}

var wordSplit = regexp.MustCompile(`,\s|\sand\s|[\s\\-]`)

func wordsToNumber(text string) float64 {
	parts := wordSplit.Split(text, -1)
	segs := []float64{0}
	for _, p := range parts {
		v, ok := wordValues[p]
		if !ok {
			v = math.NaN()
		}
		if v < 100 {
			top := segs[len(segs)-1]
			segs = segs[:len(segs)-1]
			if top >= 1000 {
				segs = append(segs, top)
				top = 0
			}
			segs = append(segs, top+v)
		} else {
			top := segs[len(segs)-1]
			segs[len(segs)-1] = top * v
		}
	}
	total := 0.0
	for _, s := range segs {
		total += s
	}
	return total
}

var romanNumerals = []struct {
	v float64
	s string
}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}

func decimalToRoman(v float64) string {
	var b strings.Builder
	for _, n := range romanNumerals {
		for v >= n.v {
			b.WriteString(n.s)
			v -= n.v
		}
	}
	return b.String()
}

func romanToDecimal(roman string) float64 {
	values := map[byte]float64{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}
	decimal, maxV := 0.0, 1.0
	for i := len(roman) - 1; i >= 0; i-- {
		v, ok := values[roman[i]]
		if !ok {
			return math.NaN()
		}
		if v < maxV {
			decimal -= v
		} else {
			maxV = v
			decimal += v
		}
	}
	return decimal
}

func decimalToLetters(v float64, a rune) string {
	var letters []rune
	for v > 0 {
		letters = append([]rune{rune(math.Mod(v-1, 26)) + a}, letters...)
		v = math.Floor((v - 1) / 26)
	}
	return string(letters)
}

func lettersToDecimal(letters string, a rune) float64 {
	decimal := 0.0
	rs := []rune(letters)
	for i := range rs {
		decimal += float64(rs[len(rs)-i-1]-a+1) * math.Pow(26, float64(i))
	}
	return decimal
}

type integerFormatKind uint8

const (
	fmtDecimal integerFormatKind = iota
	fmtLetters
	fmtRoman
	fmtWords
	fmtSequence
)

type letterCase uint8

const (
	caseLower letterCase = iota
	caseUpper
	caseTitle
)

type groupingSep struct {
	position  int
	character string
}

type integerFormat struct {
	primary         integerFormatKind
	letterCase      letterCase
	ordinal         bool
	zeroCode        rune
	mandatoryDigits int
	optionalDigits  int
	regular         bool
	regularSep      groupingSep
	separators      []groupingSep
	token           string
	parseWidth      int
}

var decimalGroups = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}

func analyseIntegerPicture(picture string) (*integerFormat, error) {
	f := &integerFormat{primary: fmtDecimal, letterCase: caseLower}
	primary := picture
	if semi := strings.LastIndexByte(picture, ';'); semi >= 0 {
		primary = picture[:semi]
		if strings.HasPrefix(picture[semi+1:], "o") {
			f.ordinal = true
		}
	}
	switch primary {
	case "A":
		f.letterCase = caseUpper
		f.primary = fmtLetters
	case "a":
		f.primary = fmtLetters
	case "I":
		f.letterCase = caseUpper
		f.primary = fmtRoman
	case "i":
		f.primary = fmtRoman
	case "W":
		f.letterCase = caseUpper
		f.primary = fmtWords
	case "Ww":
		f.letterCase = caseTitle
		f.primary = fmtWords
	case "w":
		f.primary = fmtWords
	default:
		zeroCode := rune(-1)
		var seps []groupingSep
		sepPos := 0
		rs := []rune(primary)
		for i := len(rs) - 1; i >= 0; i-- {
			cp := rs[i]
			digit := false
			for _, g := range decimalGroups {
				if cp >= g && cp <= g+9 {
					digit = true
					f.mandatoryDigits++
					sepPos++
					if zeroCode == -1 {
						zeroCode = g
					} else if g != zeroCode {
						return nil, newError("D3131", Undefined)
					}
					break
				}
			}
			if !digit {
				if cp == '#' {
					sepPos++
					f.optionalDigits++
				} else {
					seps = append(seps, groupingSep{position: sepPos, character: string(cp)})
				}
			}
		}
		if f.mandatoryDigits > 0 {
			f.zeroCode = zeroCode
			if r := regularRepeat(seps); r > 0 {
				f.regular = true
				f.regularSep = groupingSep{position: r, character: seps[0].character}
			} else {
				f.separators = seps
			}
		} else {
			f.primary = fmtSequence
			f.token = primary
		}
	}
	return f, nil
}

func regularRepeat(seps []groupingSep) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.character != seps[0].character {
			return 0
		}
	}
	gcd := func(a, b int) int {
		for b != 0 {
			a, b = b, a%b
		}
		return a
	}
	factor := seps[0].position
	for _, s := range seps[1:] {
		factor = gcd(factor, s.position)
	}
	for i := 1; i <= len(seps); i++ {
		found := false
		for _, s := range seps {
			if s.position == i*factor {
				found = true
			}
		}
		if !found {
			return 0
		}
	}
	return factor
}

// maxPictureDigits bounds the digits a picture may ask for.
const maxPictureDigits = 1 << 16

func formatIntegerValue(value float64, f *integerFormat) (any, error) {
	b, err := appendInteger(nil, value, f)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// appendInteger appends value formatted by an integer picture to dst.
func appendInteger(dst []byte, value float64, f *integerFormat) ([]byte, error) {
	if f.mandatoryDigits > maxPictureDigits {
		return nil, newError("D2016", float64(maxPictureDigits))
	}
	if (math.IsNaN(value) || math.IsInf(value, 0)) && f.primary != fmtDecimal {
		// jsonata-js overflows its stack here
		return nil, newError("D3001", value)
	}
	if f.primary == fmtRoman && math.Abs(value) > 1000*maxPictureDigits {
		return nil, newError("D2016", float64(maxPictureDigits))
	}
	negative := value < 0
	value = math.Abs(value)
	var s string
	switch f.primary {
	case fmtLetters:
		a := 'a'
		if f.letterCase == caseUpper {
			a = 'A'
		}
		s = decimalToLetters(value, a)
	case fmtRoman:
		s = decimalToRoman(value)
		if f.letterCase == caseUpper {
			s = strings.ToUpper(s)
		}
	case fmtWords:
		s = numberToWords(value, f.ordinal)
		switch f.letterCase {
		case caseUpper:
			s = strings.ToUpper(s)
		case caseLower:
			s = strings.ToLower(s)
		}
	case fmtDecimal:
		var buf [24]byte
		var digits []byte
		if value < 1e15 && !math.IsNaN(value) {
			digits = strconv.AppendInt(buf[:0], int64(value), 10)
		} else {
			digits = []byte(formatJSNumber(value))
		}
		if f.zeroCode == '0' && !f.regular && len(f.separators) == 0 && !f.ordinal {
			if negative {
				dst = append(dst, '-')
			}
			for pad := f.mandatoryDigits - len(digits); pad > 0; pad-- {
				dst = append(dst, '0')
			}
			return append(dst, digits...), nil
		}
		s = string(digits)
		if pad := f.mandatoryDigits - utf8.RuneCountInString(s); pad > 0 {
			s = strings.Repeat("0", pad) + s
		}
		if f.zeroCode != '0' {
			rs := []rune(s)
			for i, r := range rs {
				rs[i] = r + f.zeroCode - '0'
			}
			s = string(rs)
		}
		rs := []rune(s)
		if f.regular {
			n := (len(rs) - 1) / f.regularSep.position
			for i := n; i > 0; i-- {
				pos := len(rs) - i*f.regularSep.position
				rs = append(rs[:pos], append([]rune(f.regularSep.character), rs[pos:]...)...)
			}
		} else {
			for i := len(f.separators) - 1; i >= 0; i-- {
				sep := f.separators[i]
				pos := len(rs) - sep.position
				if pos < 0 {
					pos = 0
				}
				rs = append(rs[:pos], append([]rune(sep.character), rs[pos:]...)...)
			}
		}
		s = string(rs)
		if f.ordinal {
			suffix := ""
			switch rs[len(rs)-1] {
			case '1':
				suffix = "st"
			case '2':
				suffix = "nd"
			case '3':
				suffix = "rd"
			}
			if suffix == "" || (len(rs) > 1 && rs[len(rs)-2] == '1') {
				suffix = "th"
			}
			s += suffix
		}
	case fmtSequence:
		return nil, newError("D3130", f.token)
	}
	if negative {
		dst = append(dst, '-')
	}
	return append(dst, s...), nil
}

// integerParser parses integers written with a picture.
type integerParser struct {
	regex string
	parse func(s string) any
}

func integerMatcher(f *integerFormat) (*integerParser, error) {
	upper := f.letterCase == caseUpper
	switch f.primary {
	case fmtLetters:
		a := 'a'
		re := "[a-z]+"
		if upper {
			a, re = 'A', "[A-Z]+"
		}
		return &integerParser{regex: re, parse: func(s string) any { return lettersToDecimal(s, a) }}, nil
	case fmtRoman:
		re := "[mdclxvi]+"
		if upper {
			re = "[MDCLXVI]+"
		}
		return &integerParser{regex: re, parse: func(s string) any {
			if !upper {
				s = strings.ToUpper(s)
			}
			return romanToDecimal(s)
		}}, nil
	case fmtWords:
		return &integerParser{regex: "(?:" + strings.Join(wordList, "|") + "|and|[\\-, ])+", parse: func(s string) any {
			return wordsToNumber(strings.ToLower(s))
		}}, nil
	case fmtDecimal:
		re := "[0-9]+"
		if f.parseWidth > 0 {
			re = "[0-9]{" + strconv.Itoa(f.parseWidth) + "}"
		}
		if f.ordinal {
			re += "(?:th|st|nd|rd)"
		}
		return &integerParser{regex: re, parse: func(s string) any {
			digits := s
			if f.ordinal && len(digits) >= 2 {
				digits = digits[:len(digits)-2]
			}
			if f.regular {
				digits = strings.ReplaceAll(digits, ",", "")
			} else {
				for _, sep := range f.separators {
					digits = strings.ReplaceAll(digits, sep.character, "")
				}
			}
			if f.zeroCode != '0' {
				rs := []rune(digits)
				for i, r := range rs {
					rs[i] = r - f.zeroCode + '0'
				}
				digits = string(rs)
			}
			return jsParseInt(digits)
		}}, nil
	}
	return nil, newError("D3130", f.token)
}

// jsParseInt is parseInt(s, 10): leading white space, a sign, the leading
// digits; NaN when there are none.
func jsParseInt(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s[:i], 64)
	if neg {
		f = -f
	}
	return f
}

// dateMarker is a [component...] variable marker of a date/time picture.
type dateMarker struct {
	literal       string
	isLiteral     bool
	component     byte
	presentation1 string
	presentation2 string
	ordinal       bool
	names         letterCase
	hasNames      bool
	widthMin      int // -1 when absent
	widthMax      int // -1 when absent
	hasWidth      bool
	format        *integerFormat
	n             int
}

var defaultPresentation = map[byte]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1", 'H': "1", 'h': "1",
	'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01", 'C': "n", 'E': "n",
}

// removeSpace drops the white space inside a variable marker.
func removeSpace(s string) string {
	if !strings.ContainsAny(s, " \t\n\r\v\f\u00a0\u2028\u2029\ufeff") {
		return s
	}
	return strings.Join(strings.Fields(s), "")
}

// pictureCache keeps analysed date/time pictures, which are usually
// literals used over and over. It stops growing at maxCachedPictures.
var (
	pictureCache      sync.Map
	pictureCacheSize  atomic.Int32
	maxCachedPictures = int32(1000)
)

// cachedDateTimePicture is analyseDateTimePicture with a cache; the result
// must not be changed.
func cachedDateTimePicture(picture string) ([]*dateMarker, error) {
	if v, ok := pictureCache.Load(picture); ok {
		return v.([]*dateMarker), nil
	}
	spec, err := analyseDateTimePicture(picture)
	if err != nil {
		return nil, err
	}
	if pictureCacheSize.Load() < maxCachedPictures {
		if _, loaded := pictureCache.LoadOrStore(picture, spec); !loaded {
			pictureCacheSize.Add(1)
		}
	}
	return spec, nil
}

func analyseDateTimePicture(picture string) ([]*dateMarker, error) {
	var spec []*dateMarker
	addLiteral := func(start, end int) {
		if end > start {
			lit := strings.ReplaceAll(picture[start:end], "]]", "]")
			spec = append(spec, &dateMarker{isLiteral: true, literal: lit})
		}
	}
	start, pos := 0, 0
	for pos < len(picture) {
		if picture[pos] == '[' {
			if pos+1 < len(picture) && picture[pos+1] == '[' {
				addLiteral(start, pos)
				spec = append(spec, &dateMarker{isLiteral: true, literal: "["})
				pos += 2
				start = pos
				continue
			}
			addLiteral(start, pos)
			start = pos
			end := strings.IndexByte(picture[start:], ']')
			if end < 0 {
				return nil, newError("D3135", Undefined)
			}
			pos = start + end
			marker := removeSpace(picture[start+1 : pos])
			def := &dateMarker{widthMin: -1, widthMax: -1}
			compLen := 0
			if marker != "" {
				def.component = marker[0]
				compLen = 1
				if marker[0] >= utf8.RuneSelf {
					// no component is a non-ASCII letter
					def.component = 0xff
					_, compLen = utf8.DecodeRuneInString(marker)
				}
			}
			presMod := ""
			if comma := strings.LastIndexByte(marker, ','); comma >= 0 {
				widthMod := marker[comma+1:]
				var minS, maxS string
				hasMax := false
				if dash := strings.IndexByte(widthMod, '-'); dash < 0 {
					minS = widthMod
				} else {
					minS, maxS, hasMax = widthMod[:dash], widthMod[dash+1:], true
				}
				parseWidth := func(s string, present bool) int {
					if !present || s == "*" {
						return -1
					}
					f := jsParseInt(s)
					if math.IsNaN(f) {
						return -1
					}
					return int(f)
				}
				def.hasWidth = true
				def.widthMin = parseWidth(minS, true)
				def.widthMax = parseWidth(maxS, hasMax)
				// substring(1, comma), which swaps its arguments if needed
				presMod = marker[min(compLen, comma):max(compLen, comma)]
			} else if len(marker) > 0 {
				presMod = marker[compLen:]
			}
			switch {
			case len(presMod) == 1:
				def.presentation1 = presMod
			case len(presMod) > 1:
				last := presMod[len(presMod)-1]
				if strings.IndexByte("atco", last) >= 0 {
					def.presentation2 = string(last)
					if last == 'o' {
						def.ordinal = true
					}
					def.presentation1 = presMod[:len(presMod)-1]
				} else {
					def.presentation1 = presMod
				}
			default:
				p, ok := defaultPresentation[def.component]
				if !ok {
					comp := marker[:compLen]
					return nil, newError("D3132", comp)
				}
				def.presentation1 = p
			}
			switch {
			case strings.HasPrefix(def.presentation1, "n"):
				def.names, def.hasNames = caseLower, true
			case strings.HasPrefix(def.presentation1, "N"):
				def.hasNames = true
				if strings.HasPrefix(def.presentation1[1:], "n") {
					def.names = caseTitle
				} else {
					def.names = caseUpper
				}
			case strings.IndexByte("YMDdFWwXxHhmsf", def.component) >= 0 && def.component != 0:
				pattern := def.presentation1
				if def.presentation2 != "" {
					pattern += ";" + def.presentation2
				}
				f, err := analyseIntegerPicture(pattern)
				if err != nil {
					return nil, err
				}
				def.format = f
				if def.hasWidth && def.widthMin >= 0 && f.mandatoryDigits < def.widthMin {
					f.mandatoryDigits = def.widthMin
				}
				if def.component == 'Y' {
					def.n = -1
					if def.hasWidth && def.widthMax >= 0 {
						def.n = def.widthMax
						f.mandatoryDigits = def.n
					} else if w := f.mandatoryDigits + f.optionalDigits; w >= 2 {
						def.n = w
					}
				}
				if len(spec) > 0 {
					if prev := spec[len(spec)-1]; prev.format != nil {
						prev.format.parseWidth = prev.format.mandatoryDigits
					}
				}
			}
			if def.component == 'Z' || def.component == 'z' {
				f, err := analyseIntegerPicture(def.presentation1)
				if err != nil {
					return nil, err
				}
				def.format = f
			}
			spec = append(spec, def)
			start = pos + 1
		}
		pos++
	}
	addLiteral(start, pos)
	return spec, nil
}

const millisInADay = 86400000.0

func dateUTC(year, month, day int) float64 {
	return float64(time.Date(year, time.Month(month+1), day, 0, 0, 0, 0, time.UTC).UnixMilli())
}

func startOfFirstWeek(year, month int) float64 {
	jan1 := dateUTC(year, month, 1)
	d := int(time.UnixMilli(int64(jan1)).UTC().Weekday())
	if d == 0 {
		d = 7
	}
	if d > 4 {
		return jan1 + float64(8-d)*millisInADay
	}
	return jan1 - float64(d-1)*millisInADay
}

func nextMonth(y, m int) (int, int) {
	if m == 11 {
		return y + 1, 0
	}
	return y, m + 1
}

func prevMonth(y, m int) (int, int) {
	if m == 0 {
		return y - 1, 11
	}
	return y, m - 1
}

// dateComponent returns a component of the date: a number, or a string for
// P, C and E; nil for Z and z.
func dateComponent(t time.Time, c byte) any {
	switch c {
	case 'P', 'C', 'E':
		_, s := dateComponentValue(t, c)
		return s
	case 'Z', 'z':
		return nil
	}
	n, _ := dateComponentValue(t, c)
	return n
}

// dateComponentValue is dateComponent without boxing: the number, or for P, C
// and E the string.
func dateComponentValue(t time.Time, c byte) (float64, string) {
	switch c {
	case 'Y':
		return float64(t.Year()), ""
	case 'M':
		return float64(t.Month()), ""
	case 'D':
		return float64(t.Day()), ""
	case 'd':
		today := dateUTC(t.Year(), int(t.Month())-1, t.Day())
		first := dateUTC(t.Year(), 0, 1)
		return (today-first)/millisInADay + 1, ""
	case 'F':
		d := int(t.Weekday())
		if d == 0 {
			d = 7
		}
		return float64(d), ""
	case 'W':
		y := t.Year()
		start := startOfFirstWeek(y, 0)
		today := dateUTC(y, int(t.Month())-1, t.Day())
		week := (today-start)/(millisInADay*7) + 1
		if week > 52 {
			if today >= startOfFirstWeek(y+1, 0) {
				week = 1
			}
		} else if week < 1 {
			week = (today-startOfFirstWeek(y-1, 0))/(millisInADay*7) + 1
		}
		return math.Floor(week), ""
	case 'w':
		y, m := t.Year(), int(t.Month())-1
		start := startOfFirstWeek(y, m)
		today := dateUTC(y, m, t.Day())
		week := (today-start)/(millisInADay*7) + 1
		if week > 4 {
			ny, nm := nextMonth(y, m)
			if today >= startOfFirstWeek(ny, nm) {
				week = 1
			}
		} else if week < 1 {
			py, pm := prevMonth(y, m)
			week = (today-startOfFirstWeek(py, pm))/(millisInADay*7) + 1
		}
		return math.Floor(week), ""
	case 'X':
		y := t.Year()
		now := float64(t.UnixMilli())
		switch {
		case now < startOfFirstWeek(y, 0):
			return float64(y - 1), ""
		case now >= startOfFirstWeek(y+1, 0):
			return float64(y + 1), ""
		}
		return float64(y), ""
	case 'x':
		y, m := t.Year(), int(t.Month())-1
		now := float64(t.UnixMilli())
		ny, nm := nextMonth(y, m)
		switch {
		case now < startOfFirstWeek(y, m):
			_, pm := prevMonth(y, m)
			return float64(pm + 1), ""
		case now >= startOfFirstWeek(ny, nm):
			return float64(nm + 1), ""
		}
		return float64(m + 1), ""
	case 'H':
		return float64(t.Hour()), ""
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return float64(h), ""
	case 'P':
		if t.Hour() >= 12 {
			return 0, "pm"
		}
		return 0, "am"
	case 'm':
		return float64(t.Minute()), ""
	case 's':
		return float64(t.Second()), ""
	case 'f':
		return float64(t.Nanosecond() / 1e6), ""
	case 'C', 'E':
		return 0, "ISO"
	}
	return math.NaN(), ""
}

var iso8601Spec, _ = analyseDateTimePicture("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]")

func formatDateTime(millis float64, picture, timezone any) (any, error) {
	offsetHours, offsetMinutes := 0.0, 0.0
	if tz, ok := timezone.(string); ok {
		offset := jsParseInt(tz)
		offsetHours = math.Floor(offset / 100)
		offsetMinutes = math.Mod(offset, 100)
	}
	var spec []*dateMarker
	if p, ok := picture.(string); ok {
		var err error
		spec, err = cachedDateTimePicture(p)
		if err != nil {
			return nil, err
		}
	} else {
		spec = iso8601Spec
	}
	offsetMillis := (60*offsetHours + offsetMinutes) * 60 * 1000
	ms := millis + offsetMillis
	invalid := math.IsNaN(ms) || math.Abs(ms) > 8.64e15 // JavaScript's Invalid Date
	if invalid {
		ms = 0
	}
	t := time.UnixMilli(int64(math.Trunc(ms))).UTC()
	var buf [64]byte
	b := buf[:0]
	for _, part := range spec {
		if part.isLiteral {
			b = append(b, part.literal...)
			continue
		}
		var err error
		b, err = appendComponent(b, t, part, offsetHours, offsetMinutes, invalid)
		if err != nil {
			return nil, err
		}
	}
	return string(b), nil
}

func appendComponent(dst []byte, t time.Time, m *dateMarker, offsetHours, offsetMinutes float64, invalid bool) ([]byte, error) {
	c := m.component
	num, str := dateComponentValue(t, c)
	if invalid {
		num = math.NaN()
		if c == 'P' {
			str = "am" // NaN >= 12 is false
		}
	}
	switch {
	case strings.IndexByte("YMDdFWwXxHhms", c) >= 0 && c != 0:
		if c == 'Y' && m.n != -1 {
			num = math.Mod(num, math.Pow(10, float64(m.n)))
		}
		if m.hasNames {
			name := "undefined"
			switch c {
			case 'M', 'x':
				if num >= 1 && num <= 12 {
					name = months[int(num)-1]
				}
			case 'F':
				if num >= 0 && num <= 7 {
					name = days[int(num)]
				}
			default:
				return nil, newError("D3133", string(c))
			}
			switch m.names {
			case caseUpper:
				name = strings.ToUpper(name)
			case caseLower:
				name = strings.ToLower(name)
			}
			if m.hasWidth && m.widthMax >= 0 && len(name) > m.widthMax {
				name = name[:m.widthMax]
			}
			return append(dst, name...), nil
		}
		return appendInteger(dst, num, m.format)
	case c == 'f':
		return appendInteger(dst, num, m.format)
	case c == 'Z' || c == 'z':
		offset := offsetHours*100 + offsetMinutes
		if nd := m.format.mandatoryDigits; !m.format.regular && (nd < 1 || nd > 4) {
			return nil, newError("D3134", float64(nd))
		}
		if offset == 0 && m.presentation2 == "t" {
			return append(dst, 'Z'), nil
		}
		if c == 'z' {
			dst = append(dst, "GMT"...)
		}
		if offset >= 0 {
			dst = append(dst, '+')
		}
		if m.format.regular {
			return appendInteger(dst, offset, m.format)
		}
		switch nd := m.format.mandatoryDigits; {
		case nd == 1 || nd == 2:
			var err error
			dst, err = appendInteger(dst, offsetHours, m.format)
			if err != nil {
				return nil, err
			}
			if offsetMinutes != 0 {
				f2, _ := analyseIntegerPicture("00")
				dst = append(dst, ':')
				return appendInteger(dst, offsetMinutes, f2)
			}
			return dst, nil
		case nd == 3 || nd == 4:
			return appendInteger(dst, offset, m.format)
		default:
			return nil, newError("D3134", float64(nd))
		}
	case c == 'P':
		if m.hasNames && m.names == caseUpper {
			str = strings.ToUpper(str)
		}
		return append(dst, str...), nil
	case c == 'C' || c == 'E':
		return append(dst, str...), nil
	}
	return append(dst, "undefined"...), nil
}

// parseDateTime is $toMillis with a picture.
func parseDateTime(timestamp, picture string, now time.Time) (any, error) {
	spec, err := analyseDateTimePicture(picture)
	if err != nil {
		return nil, err
	}
	type part struct {
		regex     string
		component byte
		parse     func(string) any
	}
	var parts []part
	for _, m := range spec {
		var p part
		switch {
		case m.isLiteral:
			p.regex = regexp.QuoteMeta(m.literal)
		case m.component == 'Z' || m.component == 'z':
			sep := ""
			if m.format.regular {
				sep = m.format.regularSep.character
			}
			if m.component == 'z' {
				p.regex = "GMT"
			}
			p.regex += "[-+][0-9]+"
			if sep != "" {
				p.regex += regexp.QuoteMeta(sep) + "[0-9]+"
			}
			comp := m.component
			p.parse = func(v string) any {
				if comp == 'z' {
					v = v[3:]
				}
				var h, mi float64
				if sep != "" {
					i := strings.Index(v, sep)
					h = jsParseInt(v[:i])
					mi = jsParseInt(v[i+len(sep):])
				} else if len(v)-1 <= 2 {
					h = jsParseInt(v)
				} else {
					h = jsParseInt(v[:3])
					mi = jsParseInt(v[3:])
				}
				return h*60 + mi
			}
		case m.component == 'f':
			p.regex = "[0-9]+"
			p.parse = func(v string) any {
				f, _ := strconv.ParseFloat("0."+v[:min(3, len(v))], 64)
				return f * 1000
			}
		case m.format != nil:
			ip, err := integerMatcher(m.format)
			if err != nil {
				return nil, err
			}
			p.regex = ip.regex
			p.parse = ip.parse
		default:
			p.regex = "[a-zA-Z]+"
			lookup := map[string]float64{}
			switch m.component {
			case 'M', 'x':
				for i, name := range months {
					if m.hasWidth && m.widthMax > 0 {
						name = name[:min(m.widthMax, len(name))]
					}
					lookup[name] = float64(i + 1)
				}
			case 'F':
				for i, name := range days {
					if i == 0 {
						continue
					}
					if m.hasWidth && m.widthMax > 0 {
						name = name[:min(m.widthMax, len(name))]
					}
					lookup[name] = float64(i)
				}
			case 'P':
				lookup = map[string]float64{"am": 0, "AM": 0, "pm": 1, "PM": 1}
			default:
				return nil, newError("D3133", string(m.component))
			}
			p.parse = func(v string) any {
				if f, ok := lookup[v]; ok {
					return f
				}
				return Undefined
			}
		}
		p.component = m.component
		parts = append(parts, p)
	}
	var full strings.Builder
	full.WriteString("(?i)^")
	for _, p := range parts {
		full.WriteString("(" + p.regex + ")")
	}
	full.WriteString("$")
	re, err := regexp.Compile(full.String())
	if err != nil {
		return Undefined, nil
	}
	info := re.FindStringSubmatch(timestamp)
	if info == nil {
		return Undefined, nil
	}
	components := map[byte]float64{}
	has := map[byte]bool{} // parsed to a defined value
	parsed := false
	for i := 1; i < len(info); i++ {
		p := parts[i-1]
		if p.parse != nil {
			parsed = true
			if f, ok := p.parse(info[i]).(float64); ok {
				components[p.component] = f
				has[p.component] = true
			} else {
				delete(components, p.component)
				has[p.component] = false
			}
		}
	}
	if !parsed {
		return Undefined, nil
	}
	mask := 0
	// jsonata-js tests the values for truth, so a component of 0 counts as
	// absent here
	shift := func(c byte) {
		mask <<= 1
		if v := components[c]; has[c] && v != 0 && !math.IsNaN(v) {
			mask++
		}
	}
	isType := func(t int) bool { return ^t&mask == 0 && t&mask != 0 }
	for _, c := range []byte("YXMxWwdD") {
		shift(c)
	}
	dateA := isType(161)
	dateB := !dateA && isType(130)
	dateC := isType(84)
	dateD := !dateC && isType(72)
	mask = 0
	for _, c := range []byte("PHhmsf") {
		shift(c)
	}
	timeA := isType(23)
	timeB := !timeA && isType(47)
	dateComps := "YMD"
	switch {
	case dateB:
		dateComps = "YD"
	case dateC:
		dateComps = "XxwF"
	case dateD:
		dateComps = "XWF"
	}
	timeComps := "Hmsf"
	if timeB {
		timeComps = "Phmsf"
	}
	nowUTC := now.UTC()
	startSpecified, endSpecified := false, false
	for _, c := range []byte(dateComps + timeComps) {
		if !has[c] {
			if startSpecified {
				if strings.IndexByte("MDd", c) >= 0 {
					components[c] = 1
				} else {
					components[c] = 0
				}
				has[c] = true
				endSpecified = true
			} else {
				v, _ := dateComponent(nowUTC, c).(float64)
				components[c] = v
				has[c] = true
			}
		} else {
			startSpecified = true
			if endSpecified {
				return nil, newError("D3136", Undefined)
			}
		}
	}
	if components['M'] > 0 {
		components['M']--
	} else {
		components['M'] = 0
	}
	if dateB {
		firstJan := dateUTC(int(components['Y']), 0, 1)
		derived := time.UnixMilli(int64(firstJan + (components['d']-1)*millisInADay)).UTC()
		components['M'] = float64(derived.Month() - 1)
		components['D'] = float64(derived.Day())
	}
	if dateC || dateD {
		return nil, newError("D3136", Undefined)
	}
	if timeB {
		h := components['h']
		if h == 12 {
			h = 0
		}
		if components['P'] == 1 {
			h += 12
		}
		components['H'] = h
	}
	for _, c := range []byte("YMDHmsf") {
		if math.IsNaN(components[c]) {
			return math.NaN(), nil
		}
	}
	t := time.Date(int(components['Y']), time.Month(int(components['M'])+1), int(components['D']),
		int(components['H']), int(components['m']), int(components['s']), int(components['f'])*1e6, time.UTC)
	millis := float64(t.UnixMilli())
	tz := components['Z']
	if tz == 0 {
		tz = components['z']
	}
	if tz != 0 {
		millis -= tz * 60 * 1000
	}
	return millis, nil
}

// parseISO is Date.parse for the ISO 8601 forms jsonata-js's $toMillis
// accepts (YYYY[-MM[-DD]][THH:mm:ss][.sss][Z|±HH[:]mm]); ok is false for other
// text. A date-time without an offset is taken as UTC; an impossible date is
// NaN.
func parseISO(s string) (float64, bool) {
	i := 0
	digits := func(n int) (int, bool) {
		if i+n > len(s) {
			return 0, false
		}
		v := 0
		for k := 0; k < n; k++ {
			c := s[i+k]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		i += n
		return v, true
	}
	lit := func(c byte) bool {
		if i < len(s) && s[i] == c {
			i++
			return true
		}
		return false
	}
	year, ok := digits(4)
	if !ok {
		return 0, false
	}
	month, day := 1, 1
	if lit('-') {
		if month, ok = digits(2); !ok || s[i-2] > '1' {
			return 0, false
		}
	}
	if lit('-') {
		if day, ok = digits(2); !ok || s[i-2] > '3' {
			return 0, false
		}
	}
	hour, minute, sec, ms := 0, 0, 0, 0
	hasTime := false
	if lit('T') {
		hasTime = true
		if hour, ok = digits(2); !ok || s[i-2] > '2' || !lit(':') {
			return 0, false
		}
		if minute, ok = digits(2); !ok || s[i-2] > '5' || !lit(':') {
			return 0, false
		}
		if sec, ok = digits(2); !ok || s[i-2] > '5' {
			return 0, false
		}
	}
	hasFrac := false
	if lit('.') {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return 0, false
		}
		hasFrac = true
		frac := (s[start:i] + "00")[:3]
		ms, _ = strconv.Atoi(frac)
	}
	offset := 0
	if i < len(s) {
		switch s[i] {
		case 'Z':
			i++
		case '+', '-':
			sign := 1
			if s[i] == '-' {
				sign = -1
			}
			i++
			h, ok := digits(2)
			if !ok || s[i-2] > '2' {
				return 0, false
			}
			lit(':')
			m, ok := digits(2)
			if !ok || s[i-2] > '5' {
				return 0, false
			}
			offset = sign * (h*60 + m)
		}
	}
	if i != len(s) {
		return 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 24 ||
		(hour == 24 && (minute != 0 || sec != 0 || ms != 0)) || (hasFrac && !hasTime) {
		return math.NaN(), true
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ms*1e6, time.UTC)
	return float64(t.UnixMilli()) - float64(offset)*60000, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
