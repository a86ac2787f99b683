using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using SkiaSharp;

namespace Cltool.Core.Data;

/// <summary>
/// Characters rendered from the installed fonts: each sample a random covering font, size, weight, rotation, offset,
/// polarity and noise, fully determined by (seed, split, index). Classes cycle with the index, so every class has
/// the same number of samples. Spec: <c>glyphs:SETS[?train=N&amp;test=N&amp;size=PX&amp;seed=S]</c>.
/// </summary>
public sealed class Glyphs : IImageDataset
{
    public const int DefaultTrainPerClass = 300, DefaultTestPerClass = 50, DefaultSize = 28;

    readonly int[] _codePoints;
    readonly SKTypeface[][] _fontsPerClass;
    readonly int _perClass, _size, _seed;

    public string Name { get; }
    public DatasetSplit Split { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public int Count => _codePoints.Length * _perClass;
    public bool FlipInvariant => false;
    public int ImageSize => _size;
    /// <summary>Classes of the requested sets left out as look-alikes (empty unless a look-alike-free group is named).</summary>
    public IReadOnlyList<Lookalike> Lookalikes { get; } = [];

    // The measurement renders a few thousand glyphs; train and test splits of one spec share it.
    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (int[] Kept, IReadOnlyList<Lookalike> Dropped)> FilteredSets = new();

    public Glyphs(string name, string sets, DatasetSplit split, int trainPerClass = DefaultTrainPerClass,
                  int testPerClass = DefaultTestPerClass, int size = DefaultSize, int seed = 0)
    {
        Name = name;
        Split = split;
        _perClass = split == DatasetSplit.Train ? trainPerClass : testPerClass;
        _size = size;
        _seed = seed;
        if (_perClass <= 0 || size < 8) throw new CltoolException($"Dataset '{name}': samples per class must be positive and size at least 8.");
        SKTypeface[] fonts = GlyphRenderer.InstalledFonts;
        int[] requested = GlyphSets.Resolve(sets);
        if (GlyphSets.DropsLookalikes(sets)) (requested, Lookalikes) = FilteredSets.GetOrAdd(sets, _ => GlyphLookalikes.Filter(requested, fonts));
        _fontsPerClass = requested.Select(codePoint => fonts.Where(font => font.ContainsGlyph(codePoint)).ToArray()).ToArray();
        string[] uncovered = requested.Where((_, i) => _fontsPerClass[i].Length == 0).Select(char.ConvertFromUtf32).ToArray();
        if (uncovered.Length > 0)
            throw new CltoolException($"Dataset '{name}': no installed font covers {string.Join(" ", uncovered)}.");
        _codePoints = requested;
        ClassNames = requested.Select(codePoint => $"{char.ConvertFromUtf32(codePoint)} U+{codePoint:X4}").ToArray();
    }

    public int LabelOf(int index) => index % _codePoints.Length;

    public RgbImage Load(int index)
    {
        int label = LabelOf(index);
        Random random = DeterministicRandom.Create(_seed, Split == DatasetSplit.Train ? RandomStreams.GlyphTrain : RandomStreams.GlyphTest, index);
        SKTypeface[] fonts = _fontsPerClass[label];
        SKTypeface typeface = fonts[random.Next(fonts.Length)];

        bool darkBackground = random.Next(2) == 0;
        byte background = (byte)(darkBackground ? random.Next(0, 60) : random.Next(196, 256));
        byte foreground = (byte)(darkBackground ? random.Next(180, 256) : random.Next(0, 76));
        float extent = _size * (0.5f + 0.35f * random.NextSingle());
        float angle = (random.NextSingle() * 2 - 1) * 15f;
        float dx = (random.NextSingle() * 2 - 1) * 0.1f * _size, dy = (random.NextSingle() * 2 - 1) * 0.1f * _size;
        bool embolden = random.Next(4) == 0;
        double noise = random.NextDouble() * 10;

        using SKBitmap bitmap = GlyphRenderer.Draw(typeface, _codePoints[label], _size, new GlyphPose(extent, angle, dx, dy, embolden),
            background, foreground);
        var gray = new byte[_size * _size];
        ReadOnlySpan<byte> pixels = bitmap.GetPixelSpan();
        for (int y = 0; y < _size; y++)
            for (int x = 0; x < _size; x++)
            {
                double value = pixels[y * bitmap.RowBytes + x] + noise * Gaussian(random);
                gray[y * _size + x] = (byte)Math.Clamp(Math.Round(value), 0, 255);
            }
        return RgbImage.FromGray(_size, _size, gray);
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
