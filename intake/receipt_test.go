package intake

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReceiptCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		code := newReceipt()
		if len(code) != 19 || strings.Count(code, "-") != 3 {
			t.Fatalf("code %q is not four groups of four", code)
		}
		if strings.ContainsAny(code, "ILOU") {
			t.Fatalf("code %q has a character people confuse", code)
		}
		if seen[code] {
			t.Fatalf("code %q repeated", code)
		}
		seen[code] = true
		typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
		typed = strings.ReplaceAll(strings.ReplaceAll(typed, "0", "o"), "1", "l")
		if got, ok := normalizeReceipt(typed); !ok || got != strings.ReplaceAll(code, "-", "") {
			t.Fatalf("typed %q normalises to %q %v", typed, got, ok)
		}
	}
	// I, like L, is read as 1; and up to 64 characters of spacing are tolerated, not more.
	if got, ok := normalizeReceipt("k7qm 3x9p a2b4 c6dO"); !ok || got != "K7QM3X9PA2B4C6D0" {
		t.Errorf("lookalikes normalise to %q %v, want K7QM3X9PA2B4C6D0", got, ok)
	}
	// The 24-character codes of older receipts still normalise, so they still look up.
	canon := "K7QM3X9PA2B4C6D8E0F1G3H5"
	if got, ok := normalizeReceipt("k7qm 3x9p a2b4 c6d8 eOfi g3h5"); !ok || got != canon {
		t.Errorf("lookalikes normalise to %q %v, want %s", got, ok, canon)
	}
	padded := canon + strings.Repeat(" ", 64-len(canon))
	if got, ok := normalizeReceipt(padded); !ok || got != canon {
		t.Errorf("a 64-character code normalises to %q %v, want %s", got, ok, canon)
	}
	if _, ok := normalizeReceipt(padded + " "); ok {
		t.Error("a 65-character code was accepted")
	}
	for _, bad := range []string{"", "ABC", strings.Repeat("A", 15), strings.Repeat("A", 17), strings.Repeat("A", 20), strings.Repeat("A", 25),
		"AAAA-AAAA-AAAA-AAAU", "AAAA-AAAA-AAAA-AAAA-AAAA-AAAU", "ÅAAA-AAAA-AAAA-AAAA-AAAA-AAAA"} {
		if _, ok := normalizeReceipt(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzReceiptHash checks that any text a person may type either is refused or hashes to the
// same value as its canonical form, and never panics.
func FuzzReceiptHash(f *testing.F) {
	for _, s := range []string{"K7QM-3X9P-A2B4-C6D8", "K7QM-3X9P-A2B4-C6D8-E0F1-G3H5", "k7qm 3x9p a2b4 c6d8 e0f1 g3h5", "", "----", "\xff\xfe", "ıİ", strings.Repeat("z", 70)} {
		f.Add(s)
	}
	key := ReceiptKey("fuzz-key")
	f.Fuzz(func(t *testing.T, code string) {
		h, ok := key.Hash(code)
		if !ok {
			return
		}
		canon, ok2 := normalizeReceipt(code)
		if !ok2 || (len(canon) != receiptChars && len(canon) != legacyReceiptChars) || !utf8.ValidString(canon) {
			t.Fatalf("hashed %q but its canonical form is %q %v", code, canon, ok2)
		}
		if h2, ok := key.Hash(canon); !ok || h2 != h {
			t.Fatalf("%q and its canonical form %q hash differently", code, canon)
		}
	})
}

// TestEncodeReceiptUsesEveryBit checks that the 16 characters carry all 80 bits: codes of
// inputs that differ in any single bit differ, and the extremes come out as expected.
func TestEncodeReceiptUsesEveryBit(t *testing.T) {
	var zero, ones [receiptBytes]byte
	for i := range ones {
		ones[i] = 0xff
	}
	if got := encodeReceipt(zero); got != "0000-0000-0000-0000" {
		t.Errorf("zero encodes as %s", got)
	}
	if got := encodeReceipt(ones); got != "ZZZZ-ZZZZ-ZZZZ-ZZZZ" {
		t.Errorf("all ones encode as %s", got)
	}
	seen := map[string]bool{encodeReceipt(zero): true}
	for bit := range receiptBytes * 8 {
		var b [receiptBytes]byte
		b[bit/8] = 0x80 >> (bit % 8)
		c := encodeReceipt(b)
		if seen[c] {
			t.Fatalf("bit %d does not change the code %s", bit, c)
		}
		seen[c] = true
	}
}
