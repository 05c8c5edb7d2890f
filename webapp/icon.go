package webapp

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// iconSizes are the PNG icons the manifest lists; Android wants 192 and 512.
var iconSizes = []int{192, 512}

// drawIcon paints the app icon: a ring and a dot on a dark square, the same as static/icon.svg.
// It is deliberately neutral — on a shared or searched phone, an icon that says "bad date
// alerts" could put its owner at risk — and it is drawn here rather than committed as a binary
// so that it can be changed in review like any other code. The full-bleed background makes it
// usable as a maskable icon.
func drawIcon(size int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	bg := color.NRGBA{0x1f, 0x3d, 0x4d, 0xff}
	fg := color.NRGBA{0xf4, 0xf1, 0xea, 0xff}
	c := float64(size) / 2
	ringOuter, ringInner, dot := 0.30*float64(size), 0.22*float64(size), 0.08*float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			d := math.Hypot(float64(x)+0.5-c, float64(y)+0.5-c)
			px := bg
			if (d <= ringOuter && d >= ringInner) || d <= dot {
				px = fg
			}
			img.SetNRGBA(x, y, px)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding an in-memory image cannot fail
	return buf.Bytes()
}
