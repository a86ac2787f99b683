using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SkiaSharp;

namespace Cltool.Cli.Tests;

/// <summary>`cltool data split` and `imagefolder:SPLIT.json`: seeded, per class, verifiable, and strict about missing files.</summary>
public sealed class DataSplitTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    string Folder(params int[] imagesPerClass)
    {
        string root = _temporary.File("images");
        using var bitmap = new SKBitmap(8, 8);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        for (int c = 0; c < imagesPerClass.Length; c++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"class{c}"));
            for (int i = 0; i < imagesPerClass[c]; i++) File.WriteAllBytes(Path.Combine(root, $"class{c}", $"{i:D2}.png"), png.ToArray());
        }
        return root;
    }

    [Fact]
    public void A_split_is_per_class_seeded_and_carries_its_sha256_and_imagefolder_reads_it()
    {
        string root = Folder(10, 20, 3);
        string first = _temporary.File("a.json"), again = _temporary.File("b.json"), other = _temporary.File("c.json");

        CltoolProcess.Result result = CltoolProcess.Run("data", "split", root, "--train-fraction", "0.7", "--seed", "5", "-o", first);
        CltoolProcess.Run("data", "split", root, "--train-fraction", "0.7", "--seed", "5", "-o", again);
        CltoolProcess.Run("data", "split", root, "--train-fraction", "0.7", "--seed", "6", "-o", other);

        Assert.True(result.ExitCode == 0, result.Output + result.Errors);
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(first)));
        Assert.Equal($"{sha256}  a.json\n", File.ReadAllText(first + ".sha256"));
        Assert.Contains($"sha256 {sha256}", result.Output);
        Assert.Contains("warning: 1 class(es) with fewer than 5 images: class2", result.Output);
        Assert.Equal(File.ReadAllText(first), File.ReadAllText(again));
        Assert.NotEqual(File.ReadAllText(first), File.ReadAllText(other));
        JsonNode split = JsonNode.Parse(File.ReadAllText(first))!;
        int[] Count(string part) => [.. Enumerable.Range(0, 3).Select(c => split[part]!.AsArray().Count(i => i!["label"]!.GetValue<int>() == c))];
        Assert.Equal([7, 14, 2], Count("train"));
        Assert.Equal([3, 6, 1], Count("test"));

        CltoolProcess.Result train = CltoolProcess.Run("inspect", "--data", $"imagefolder:{first}");
        CltoolProcess.Result test = CltoolProcess.Run("inspect", "--data", $"imagefolder:{first}", "--split", "test");
        Assert.Contains("(train): 23 images, 3 classes", train.Output);
        Assert.Contains("(test): 10 images, 3 classes", test.Output);
    }

    [Fact]
    public void A_split_naming_a_missing_image_is_one_clear_error()
    {
        string root = Folder(4, 4);
        string split = _temporary.File("split.json");
        Assert.Equal(0, CltoolProcess.Run("data", "split", root, "-o", split).ExitCode);
        File.Delete(Path.Combine(root, "class1", "02.png"));

        CltoolProcess.Result result = CltoolProcess.Run("inspect", "--data", $"imagefolder:{split}");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("names 'images/class1/02.png', which does not exist under", result.Errors);
    }

    public void Dispose() => _temporary.Dispose();
}
