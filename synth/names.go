package synth

import (
	"math/rand/v2"
	"slices"
	"strings"
)

// genres are the 43 genres of the real catalogue, in alphabetical order; an
// anime's genre set is a bit mask over these indices.
var genres = [...]string{
	"Action", "Adventure", "Cars", "Comedy", "Dementia", "Demons", "Drama", "Ecchi", "Fantasy",
	"Game", "Harem", "Hentai", "Historical", "Horror", "Josei", "Kids", "Magic", "Martial Arts",
	"Mecha", "Military", "Music", "Mystery", "Parody", "Police", "Psychological", "Romance",
	"Samurai", "School", "Sci-Fi", "Seinen", "Shoujo", "Shoujo Ai", "Shounen", "Shounen Ai",
	"Slice of Life", "Space", "Sports", "Super Power", "Supernatural", "Thriller", "Vampire",
	"Yaoi", "Yuri",
}

// genreHentai is the index of "Hentai", given to Rx titles and only to them.
const genreHentai = 11

// genreWeights are roughly the real number of titles per genre.
var genreWeights = [len(genres)]float64{
	3888, 2957, 102, 6029, 233, 538, 2616, 827, 3285,
	402, 472, 0, 1134, 399, 108, 2664, 1047, 462,
	1115, 585, 2168, 808, 650, 266, 415, 1885,
	239, 1686, 2505, 946, 716, 77, 2003, 78,
	1914, 556, 739, 644, 1482, 117, 127,
	45, 42,
}

// Word pools for titles.
var (
	romaji = []string{
		"Kimi", "Sora", "Tenshi", "Shoujo", "Senshi", "Kidou", "Mahou", "Yume", "Hoshi", "Tsuki",
		"Kaze", "Hikari", "Kokoro", "Sekai", "Densetsu", "Monogatari", "Gakuen", "Ken", "Ryuu", "Hana",
		"Yoru", "Natsu", "Fuyu", "Haru", "Akai", "Aoi", "Shiroi", "Kuroi", "Tokyo", "Neko",
		"Inu", "Majo", "Oujo", "Yuusha", "Maou", "Boukensha", "Tantei", "Kaitou", "Ninja", "Samurai",
		"Kagami", "Mirai", "Kioku", "Namida", "Egao", "Tabi", "Machi", "Mori", "Umi", "Yama",
		"Shinigami", "Kyoukai", "Shoukan", "Tensei", "Isekai", "Seishun", "Bokura", "Watashi", "Ore", "Kanojo",
	}
	particles = []string{"no", "to", "ga", "wa", "ni", "de"}
	english   = []string{
		"Sky", "Angel", "Girl", "Warrior", "Dream", "Star", "Moon", "Wind", "Light", "Heart",
		"World", "Legend", "Academy", "Sword", "Dragon", "Flower", "Night", "Summer", "Winter", "Spring",
		"Red", "Blue", "White", "Black", "City", "Cat", "Witch", "Princess", "Hero", "Demon King",
		"Adventurer", "Detective", "Phantom Thief", "Mirror", "Future", "Memory", "Tears", "Smile", "Journey", "Forest",
	}
	// sequelSuffixes turn a base title into a sequel's, by type index.
	sequelSuffixes = [...][]string{
		{" 2nd Season", " Season 2", " II", " 3rd Season", " Final Season", " Zoku", " (2011)"},
		{" OVA", " Kanketsu-hen", " Picture Drama"},
		{" Movie", ": The Movie", " Movie 2"},
		{" Specials", " Recap", " Picture Drama"},
		{" (ONA)", " Web", " Mini"},
		{" Music Video", ": Character Song"},
		{" Pilot", " (Shin)"},
	}
	katakana  = []rune("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワンガギグゲゴザジズゼゾダデドバビブベボパピプペポー")
	hiragana  = []rune("あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん")
	kanji     = []rune("天使少女戦士機動魔法夢星月風光心世界伝説学園剣竜花夜夏冬春赤青白黒東京猫犬姫勇者王探偵未来記憶涙旅町森海山死神境界転生青春僕彼")
	jaJoins   = []string{"の", "と", "な", "が", "・", "！", "★", "　"}
	syllables = []string{
		"ka", "ki", "ko", "sa", "shi", "to", "na", "ni", "ma", "mi", "ra", "ri", "ro", "ta", "yo", "zu",
		"ani", "pix", "son", "gen", "dor", "vo", "lux", "tek",
	}
	companySuffixes = []string{"", " Pictures", " Animation", " Entertainment", " Music", " Inc.", " Productions", " Media", " Films", " Studio"}
	accents         = map[byte]string{'o': "ō", 'u': "ū", 'e': "é", 'a': "â"}
)

// titleCase upper-cases the first byte of an ASCII word.
func titleCase(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// oneOf returns a uniformly chosen element of pool.
func oneOf(r *rand.Rand, pool []string) string { return pool[r.IntN(len(pool))] }

// romajiTitle builds a base title such as "Kimi no Sora", now and then with a
// comma, quotes, "°" or "★" in it.
func romajiTitle(r *rand.Rand) string {
	var sb strings.Builder
	sb.WriteString(oneOf(r, romaji))
	switch r.IntN(4) {
	case 0:
		sb.WriteString(" " + oneOf(r, particles) + " " + oneOf(r, romaji))
	case 1:
		sb.WriteString(" " + oneOf(r, romaji))
	case 2:
		sb.WriteString(" " + oneOf(r, romaji) + ": " + oneOf(r, romaji) + " " + oneOf(r, particles) + " " + oneOf(r, romaji))
	}
	t := sb.String()
	switch u := r.Float64(); {
	case u < 0.03:
		t += ", " + oneOf(r, romaji) + " " + oneOf(r, romaji)
	case u < 0.045:
		t = `"` + t + `" ` + oneOf(r, romaji)
	case u < 0.05:
		t += ": " + `"` + oneOf(r, romaji) + `" ` + oneOf(r, particles) + " " + oneOf(r, romaji)
	case u < 0.055:
		t += "°"
	case u < 0.065:
		t = oneOf(r, romaji) + "★" + oneOf(r, romaji)
	case u < 0.08:
		t += "!"
	}
	return t
}

// englishTitle builds an English title, sometimes with a comma.
func englishTitle(r *rand.Rand) string {
	t := "The " + oneOf(r, english) + " of the " + oneOf(r, english)
	switch r.IntN(4) {
	case 0:
		t = oneOf(r, english) + " " + oneOf(r, english)
	case 1:
		t = oneOf(r, english) + ", " + oneOf(r, english) + " and " + oneOf(r, english)
	}
	return t
}

// japaneseTitle builds a title in kana and kanji.
func japaneseTitle(r *rand.Rand) string {
	var sb strings.Builder
	words := between(r, 1, 3)
	for i := 0; i < words; i++ {
		if i > 0 {
			sb.WriteString(oneOf(r, jaJoins))
		}
		pool := kanji
		switch r.IntN(3) {
		case 0:
			pool = katakana
		case 1:
			pool = hiragana
		}
		for n := between(r, 2, 5); n > 0; n-- {
			sb.WriteRune(pool[r.IntN(len(pool))])
		}
	}
	return sb.String()
}

// companyNames returns n distinct company names, a few with non-ASCII letters.
func companyNames(r *rand.Rand, n int, prefix string) []string {
	seen := make(map[string]bool, n)
	out := make([]string, 0, n)
	for len(out) < n {
		var sb strings.Builder
		for k := between(r, 2, 3); k > 0; k-- {
			sb.WriteString(oneOf(r, syllables))
		}
		name := titleCase(sb.String())
		if chance(r, 0.08) {
			i := strings.IndexAny(name[1:], "oeua") + 1
			if i > 0 {
				name = name[:i] + accents[name[i]] + name[i+1:]
			}
		}
		if prefix != "" && chance(r, 0.2) {
			name = prefix + name
		} else {
			name += oneOf(r, companySuffixes)
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// listOf joins between lo and hi distinct names from pool with ", ", drawn
// with a bias toward the head of the pool (a few companies do most work).
func listOf(r *rand.Rand, pool []string, lo, hi int) string {
	n := between(r, lo, hi)
	picked := make([]string, 0, n)
	for len(picked) < n {
		x := r.Float64()
		name := pool[int(x*x*float64(len(pool)))]
		if !slices.Contains(picked, name) {
			picked = append(picked, name)
		}
	}
	return strings.Join(picked, ", ")
}

// genreList draws a genre set: its text joined by ", " (sorted most of the
// time, in drawing order otherwise) and its bit mask. Rx titles always have
// Hentai; other titles never do.
func genreList(r *rand.Rand, rx bool) (string, uint64) {
	var mask uint64
	var names []string
	if rx {
		mask |= 1 << genreHentai
		names = append(names, genres[genreHentai])
	}
	n := 1 + min(r.IntN(3)+r.IntN(3), 6)
	weights := genreWeights
	for len(names) < n {
		g := pick(r, weights[:])
		weights[g] = 0
		mask |= 1 << g
		names = append(names, genres[g])
	}
	if chance(r, 0.85) {
		slices.Sort(names)
	}
	return strings.Join(names, ", "), mask
}
