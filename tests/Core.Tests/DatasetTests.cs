using System.Buffers.Binary;
using System.IO.Compression;
using Cltool.Core.Data;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;
using SkiaSharp;

namespace Cltool.Core.Tests;

public sealed class DatasetTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    // ---- Fashion-MNIST -----------------------------------------------------------------------------------------

    static void WriteIdx(string directory, string prefix, byte[][] images, byte[] labels, bool gzip = true)
    {
        var imageBytes = new byte[16 + images.Length * 4];
        BinaryPrimitives.WriteInt32BigEndian(imageBytes, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(imageBytes.AsSpan(4), images.Length);
        BinaryPrimitives.WriteInt32BigEndian(imageBytes.AsSpan(8), 2);
        BinaryPrimitives.WriteInt32BigEndian(imageBytes.AsSpan(12), 2);
        for (int i = 0; i < images.Length; i++) images[i].CopyTo(imageBytes, 16 + 4 * i);
        var labelBytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(labelBytes, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(labelBytes.AsSpan(4), labels.Length);
        labels.CopyTo(labelBytes, 8);
        Save(Path.Combine(directory, $"{prefix}-images-idx3-ubyte"), imageBytes, gzip);
        Save(Path.Combine(directory, $"{prefix}-labels-idx1-ubyte"), labelBytes, gzip);
    }

    static void Save(string path, byte[] bytes, bool gzip)
    {
        if (!gzip) { File.WriteAllBytes(path, bytes); return; }
        using var file = File.Create(path + ".gz");
        using var zip = new GZipStream(file, CompressionLevel.Fastest);
        zip.Write(bytes);
    }

    [Fact]
    public void Fashion_mnist_reads_gzipped_idx_files_into_grey_rgb_images()
    {
        WriteIdx(_temporary.Path, "train", [[0, 50, 100, 255], [1, 2, 3, 4], [9, 9, 9, 9]], [3, 0, 9]);

        IImageDataset dataset = DatasetCatalog.Open($"fashion-mnist:{_temporary.Path}", DatasetSplit.Train);

        Assert.Equal(3, dataset.Count);
        Assert.Equal([3, 0, 9], Enumerable.Range(0, 3).Select(dataset.LabelOf));
        Assert.Equal("Ankle boot", dataset.ClassNames[9]);
        RgbImage image = dataset.Load(0);
        Assert.Equal((2, 2), (image.Width, image.Height));
        Assert.Equal(new byte[] { 0, 0, 0, 50, 50, 50, 100, 100, 100, 255, 255, 255 }, image.Pixels);
    }

    [Fact]
    public void Fashion_mnist_reads_plain_idx_files_for_the_test_split()
    {
        WriteIdx(_temporary.Path, "t10k", [[7, 7, 7, 7]], [5], gzip: false);

        IImageDataset dataset = DatasetCatalog.Open($"fashion-mnist:{_temporary.Path}", DatasetSplit.Test);

        Assert.Equal(1, dataset.Count);
        Assert.Equal(5, dataset.LabelOf(0));
    }

    [Fact]
    public void Fashion_mnist_with_a_missing_file_or_a_label_mismatch_is_a_clear_error()
    {
        var missing = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"fashion-mnist:{_temporary.Path}", DatasetSplit.Train));
        Assert.Contains("train-images-idx3-ubyte(.gz)' is missing", missing.Message);
        Assert.Contains("dataset-fashion-mnist", missing.Message);

        WriteIdx(_temporary.Path, "train", [[0, 0, 0, 0], [0, 0, 0, 0]], [1]);
        var mismatch = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"fashion-mnist:{_temporary.Path}", DatasetSplit.Train));
        Assert.Contains("2 train images but 1 labels", mismatch.Message);
    }

    [Fact]
    public void The_installed_fashion_mnist_has_60000_and_10000_balanced_images()
    {
        IImageDataset train = DatasetCatalog.Open("fashion-mnist", DatasetSplit.Train);
        IImageDataset test = DatasetCatalog.Open("fashion-mnist", DatasetSplit.Test);

        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.All(Enumerable.Range(0, 10), label => Assert.Equal(1000, Enumerable.Range(0, test.Count).Count(i => test.LabelOf(i) == label)));
        Assert.Equal((28, 28), (train.Load(0).Width, train.Load(0).Height));
    }

    // ---- CIFAR-100 ---------------------------------------------------------------------------------------------

    [Fact]
    public void Cifar100_reads_fine_labels_and_planar_pixels()
    {
        string root = Directory.CreateDirectory(_temporary.File("cifar-100-binary")).FullName;
        var record = new byte[3074];
        record[0] = 4; // coarse
        record[1] = 42; // fine
        record[2] = 10; record[2 + 1024] = 20; record[2 + 2048] = 30; // first pixel R, G, B
        File.WriteAllBytes(Path.Combine(root, "train.bin"), [.. record, .. record]);
        File.WriteAllLines(Path.Combine(root, "fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"class{i}"));

        IImageDataset dataset = DatasetCatalog.Open($"cifar100:{_temporary.Path}", DatasetSplit.Train);

        Assert.Equal(2, dataset.Count);
        Assert.Equal(42, dataset.LabelOf(1));
        Assert.Equal("class42", dataset.ClassNames[42]);
        Assert.Equal(new byte[] { 10, 20, 30 }, dataset.Load(0).Pixels[..3]);
    }

    [Fact]
    public void Cifar100_with_a_partial_record_is_refused()
    {
        File.WriteAllBytes(_temporary.File("train.bin"), new byte[3074 + 5]);
        File.WriteAllLines(_temporary.File("fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => $"c{i}"));

        var error = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"cifar100:{_temporary.Path}", DatasetSplit.Train));

        Assert.Contains("not a whole number of 3074-byte records", error.Message);
    }

    // ---- ImageFolder -------------------------------------------------------------------------------------------

    internal static byte[] Png(int width, int height, SKColor color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using SKData data = bitmap.Encode(format, 90);
        return data.ToArray();
    }

    void Put(string split, string label, string file, byte[] bytes)
    {
        string folder = Directory.CreateDirectory(_temporary.File(split, label)).FullName;
        File.WriteAllBytes(Path.Combine(folder, file), bytes);
    }

    [Fact]
    public void Image_folder_maps_sorted_class_folders_to_labels_and_decodes_png_jpeg_webp()
    {
        Put("train", "zebra", "a.png", Png(5, 3, new SKColor(200, 10, 10)));
        Put("train", "ant", "b.jpg", Png(4, 4, SKColors.Blue, SKEncodedImageFormat.Jpeg));
        Put("train", "ant", "c.webp", Png(4, 4, SKColors.Green, SKEncodedImageFormat.Webp));
        Put("test", "zebra", "d.png", Png(2, 2, SKColors.White));

        IImageDataset train = DatasetCatalog.Open($"imagefolder:{_temporary.Path}", DatasetSplit.Train);
        IImageDataset test = DatasetCatalog.Open($"imagefolder:{_temporary.Path}", DatasetSplit.Test);

        Assert.Equal(["ant", "zebra"], train.ClassNames);
        Assert.Equal([0, 0, 1], Enumerable.Range(0, 3).Select(train.LabelOf));
        RgbImage zebra = train.Load(2);
        Assert.Equal((5, 3), (zebra.Width, zebra.Height));
        Assert.Equal(new byte[] { 200, 10, 10 }, zebra.Pixels[..3]);
        Assert.Equal(1, test.Count);
        Assert.Equal(1, test.LabelOf(0)); // the test split uses the train class list
    }

    [Fact]
    public void Non_images_are_skipped_and_counted_but_a_truncated_image_fails_naming_the_file()
    {
        byte[] png = Png(32, 32, SKColors.Red);
        Put("train", "cat", "good.png", png);
        Put("train", "cat", "not-an-image.png", "hello"u8.ToArray());
        Put("train", "cat", "truncated.png", png[..(png.Length / 2)]);
        Put("train", "cat", "notes.txt", "ignored: not an image extension"u8.ToArray());
        Directory.CreateDirectory(_temporary.File("test"));

        var dataset = (ImageFolder)DatasetCatalog.Open($"imagefolder:{_temporary.Path}", DatasetSplit.Train);

        Assert.Equal(2, dataset.Count);
        Assert.Single(dataset.Skipped);
        Assert.EndsWith("not-an-image.png", dataset.Skipped[0]);
        var error = Assert.Throws<CltoolException>(() => dataset.Load(1));
        Assert.Contains("truncated.png", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Missing_or_empty_image_folders_are_clear_errors()
    {
        var missing = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"imagefolder:{_temporary.File("nope")}", DatasetSplit.Train));
        Assert.Contains("does not exist", missing.Message);

        Directory.CreateDirectory(_temporary.File("train"));
        Directory.CreateDirectory(_temporary.File("test"));
        var empty = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"imagefolder:{_temporary.Path}", DatasetSplit.Train));
        Assert.Contains("has no class subfolders", empty.Message);

        Directory.CreateDirectory(_temporary.File("train", "dog"));
        var noImages = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"imagefolder:{_temporary.Path}", DatasetSplit.Train));
        Assert.Contains("holds no readable images", noImages.Message);
    }

    [Fact]
    public void A_test_class_unknown_to_train_is_refused()
    {
        Put("train", "cat", "a.png", Png(2, 2, SKColors.Red));
        Put("test", "dog", "b.png", Png(2, 2, SKColors.Red));

        var error = Assert.Throws<CltoolException>(() => DatasetCatalog.Open($"imagefolder:{_temporary.Path}", DatasetSplit.Test));

        Assert.Contains("is not among the train classes", error.Message);
    }

    // ---- Glyphs ------------------------------------------------------------------------------------------------

    [Fact]
    public void Glyphs_are_deterministic_per_seed_split_and_index()
    {
        IImageDataset a = DatasetCatalog.Open("glyphs:digits?train=3&size=24", DatasetSplit.Train);
        IImageDataset b = DatasetCatalog.Open("glyphs:digits?train=3&size=24", DatasetSplit.Train);
        IImageDataset otherSeed = DatasetCatalog.Open("glyphs:digits?train=3&size=24&seed=7", DatasetSplit.Train);
        IImageDataset test = DatasetCatalog.Open("glyphs:digits?test=3&size=24", DatasetSplit.Test);

        Assert.Equal(30, a.Count);
        Assert.Equal(a.Load(17).Pixels, b.Load(17).Pixels);
        Assert.NotEqual(a.Load(17).Pixels, otherSeed.Load(17).Pixels);
        Assert.NotEqual(a.Load(17).Pixels, test.Load(17).Pixels);
        Assert.Equal((24, 24), (a.Load(0).Width, a.Load(0).Height));
    }

    [Fact]
    public void Glyph_classes_cycle_and_are_named_by_character()
    {
        IImageDataset glyphs = DatasetCatalog.Open("glyphs:latin-upper,digits", DatasetSplit.Train);

        Assert.Equal(36, glyphs.ClassNames.Count);
        Assert.Equal("A U+0041", glyphs.ClassNames[0]);
        Assert.Equal("0 U+0030", glyphs.ClassNames[26]);
        Assert.Equal(5, glyphs.LabelOf(36 * 4 + 5));
        Assert.False(glyphs.FlipInvariant);
    }

    [Fact]
    public void Pretraining_and_benchmark_glyph_sets_are_disjoint()
    {
        int[] pretrain = GlyphSets.Resolve("pretrain"), benchmark = GlyphSets.Resolve("benchmark");

        Assert.Empty(pretrain.Intersect(benchmark));
        Assert.True(pretrain.Length >= 400, $"{pretrain.Length} pretraining classes");
    }

    [Fact]
    public void A_rendered_glyph_has_ink_on_its_background()
    {
        IImageDataset glyphs = DatasetCatalog.Open("glyphs:latin-upper", DatasetSplit.Train);

        foreach (int index in new[] { 0, 1, 2, 3 })
        {
            byte[] pixels = glyphs.Load(index).Pixels;
            int darkest = pixels.Min(p => p), brightest = pixels.Max(p => p);
            Assert.True(brightest - darkest > 100, $"sample {index}: contrast {brightest - darkest}");
        }
    }

    [Theory]
    [InlineData("glyphs:klingon", "Unknown glyph set 'klingon'")]
    [InlineData("glyphs:digits?train=abc", "option 'train=abc' is not one of")]
    [InlineData("glyphs:", "needs a location or a set")]
    [InlineData("mnist", "Unknown dataset 'mnist'")]
    public void Bad_dataset_specs_name_what_was_wrong(string spec, string problem)
    {
        var error = Assert.Throws<CltoolException>(() => DatasetCatalog.Open(spec, DatasetSplit.Train));

        Assert.Contains(problem, error.Message);
    }
}
