using Cltool.Core.Errors;
using SkiaSharp;

namespace Cltool.Core.Data;

/// <summary>Draws one character into a grey square; the glyph datasets and the look-alike measurement share it.</summary>
public static class GlyphRenderer
{
    static readonly Lazy<SKTypeface[]> Fonts = new(LoadFonts);

    /// <summary>The pinned fonts of <see cref="GlyphFonts"/>, in their order; one clear error when any is missing.</summary>
    public static SKTypeface[] InstalledFonts => Fonts.Value;

    public static SKBitmap Draw(SKTypeface typeface, int codePoint, int size, GlyphPose pose, byte background, byte foreground)
    {
        string text = char.ConvertFromUtf32(codePoint);
        var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Gray8, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        using var font = new SKFont(typeface, 100) { Embolden = pose.Embolden, Edging = SKFontEdging.Antialias, Subpixel = true };
        using var paint = new SKPaint { Color = new SKColor(foreground, foreground, foreground), IsAntialias = true };
        canvas.Clear(new SKColor(background, background, background));
        font.MeasureText(text, out SKRect bounds);
        // Scale so the glyph's larger side is `Extent` pixels, whatever the font's own metrics.
        font.Size = 100 * pose.Extent / Math.Max(1f, Math.Max(bounds.Width, bounds.Height));
        font.MeasureText(text, out bounds);
        canvas.Translate(size / 2f + pose.Dx, size / 2f + pose.Dy);
        canvas.RotateDegrees(pose.AngleDegrees);
        canvas.DrawText(text, -bounds.MidX, -bounds.MidY, SKTextAlign.Left, font, paint);
        return bitmap;
    }

    static SKTypeface[] LoadFonts() =>
        GlyphFonts.Resolve()
            .Select(path => SKTypeface.FromFile(path) ?? throw new CltoolException($"Font '{path}' could not be read.")) // not the method group: Select would pass its index as the face index
            .ToArray();
}
