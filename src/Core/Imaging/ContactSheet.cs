using Cltool.Core.Data;
using Cltool.Core.IO;
using SkiaSharp;

namespace Cltool.Core.Imaging;

/// <summary>Draws samples of a dataset in a grid, each with its label underneath, as a PNG.</summary>
public static class ContactSheet
{
    public static void Draw(IImageDataset dataset, IReadOnlyList<int> indices, string path, int tile = 84, int columns = 10)
    {
        int rows = (indices.Count + columns - 1) / columns;
        const int labelHeight = 16, margin = 4, titleHeight = 22;
        int cell = tile + 2 * margin;
        using var bitmap = new SKBitmap(columns * cell, titleHeight + rows * (cell + labelHeight));
        using (var canvas = new SKCanvas(bitmap))
        using (var font = new SKFont(SKTypeface.Default, 11))
        using (var titleFont = new SKFont(SKTypeface.Default, 14))
        using (var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true })
        using (var sampling = new SKPaint())
        {
            canvas.Clear(SKColors.White);
            canvas.DrawText($"{dataset.Name} ({dataset.Split.ToString().ToLowerInvariant()}): {dataset.Count} images, {dataset.ClassNames.Count} classes",
                margin, 16, SKTextAlign.Left, titleFont, ink);
            for (int i = 0; i < indices.Count; i++)
            {
                int x = i % columns * cell + margin, y = titleHeight + i / columns * (cell + labelHeight) + margin;
                using SKImage image = dataset.Load(indices[i]).ToSkia();
                canvas.DrawImage(image, new SKRect(x, y, x + tile, y + tile), new SKSamplingOptions(SKFilterMode.Nearest));
                DrawLabel(canvas, Shorten(dataset.ClassNames[dataset.LabelOf(indices[i])], 14), x + tile / 2f, y + tile + 13, font, ink);
            }
        }
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(path, png.AsSpan());
    }

    /// <summary>
    /// Samples for a sheet: classes evenly spread over the class list, then one more sample of each, and so on,
    /// so a sheet of 60 shows 60 classes when there are that many.
    /// </summary>
    public static int[] Pick(IImageDataset dataset, int wanted)
    {
        var byClass = new List<int>[dataset.ClassNames.Count];
        for (int i = 0; i < byClass.Length; i++) byClass[i] = [];
        for (int i = 0; i < dataset.Count; i++) byClass[dataset.LabelOf(i)].Add(i);
        int classes = Math.Min(wanted, byClass.Length);
        int[] chosen = Enumerable.Range(0, classes).Select(i => (int)((long)i * byClass.Length / classes)).ToArray();
        var picked = new List<int>();
        for (int round = 0; picked.Count < wanted; round++)
        {
            int before = picked.Count;
            foreach (int label in chosen)
                if (round < byClass[label].Count && picked.Count < wanted) picked.Add(byClass[label][round]);
            if (picked.Count == before) break;
        }
        return picked.ToArray();
    }

    /// <summary>
    /// Glyph class names start with their character ("ა U+10D0"); the default font may lack it, so that first
    /// character is drawn with a font that has it and the rest with the default font.
    /// </summary>
    static void DrawLabel(SKCanvas canvas, string label, float centreX, float baseline, SKFont font, SKPaint ink)
    {
        int first = label.Length > 0 ? char.ConvertToUtf32(label, 0) : 0;
        if (label.Length == 0 || SKTypeface.Default.ContainsGlyph(first))
        {
            canvas.DrawText(label, centreX, baseline, SKTextAlign.Center, font, ink);
            return;
        }
        string head = char.ConvertFromUtf32(first), tail = label[head.Length..];
        using var headFont = new SKFont(SKFontManager.Default.MatchCharacter(first) ?? SKTypeface.Default, font.Size);
        float headWidth = headFont.MeasureText(head), tailWidth = font.MeasureText(tail);
        float left = centreX - (headWidth + tailWidth) / 2;
        canvas.DrawText(head, left, baseline, SKTextAlign.Left, headFont, ink);
        canvas.DrawText(tail, left + headWidth, baseline, SKTextAlign.Left, font, ink);
    }

    static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
