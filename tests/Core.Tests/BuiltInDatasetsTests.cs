using Cltool.Core.Data;

namespace Cltool.Core.Tests;

public sealed class BuiltInDatasetsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    [Fact]
    public void Fashion_mnist_is_present_when_all_four_idx_files_exist_gzipped_or_not()
    {
        foreach (string file in BuiltInDatasets.FashionMnistFiles.Take(2)) File.WriteAllBytes(Path.Combine(_temporary.Path, file + ".gz"), [0]);
        foreach (string file in BuiltInDatasets.FashionMnistFiles.Skip(2)) File.WriteAllBytes(Path.Combine(_temporary.Path, file), [0]);

        DatasetAvailability availability = BuiltInDatasets.ProbeFashionMnist(_temporary.Path);

        Assert.True(availability.Present);
        Assert.Equal(_temporary.Path, availability.Location);
    }

    [Fact]
    public void A_missing_idx_file_is_named_with_the_package_that_provides_it()
    {
        foreach (string file in BuiltInDatasets.FashionMnistFiles.Skip(1)) File.WriteAllBytes(Path.Combine(_temporary.Path, file + ".gz"), [0]);

        DatasetAvailability availability = BuiltInDatasets.ProbeFashionMnist(_temporary.Path);

        Assert.False(availability.Present);
        Assert.Contains("train-images-idx3-ubyte", availability.Detail);
        Assert.DoesNotContain("t10k", availability.Detail);
        Assert.Contains("dataset-fashion-mnist", availability.Detail);
    }

    [Fact]
    public void Glyphs_count_the_fonts_they_can_render_from()
    {
        string fonts = Directory.CreateDirectory(Path.Combine(_temporary.Path, "noto", "nested")).FullName;
        File.WriteAllBytes(Path.Combine(fonts, "A.ttf"), [0]);
        File.WriteAllBytes(Path.Combine(fonts, "B.ttf"), [0]);
        File.WriteAllBytes(Path.Combine(fonts, "readme.txt"), [0]);

        DatasetAvailability present = BuiltInDatasets.ProbeGlyphFonts([Path.Combine(_temporary.Path, "noto"), Path.Combine(_temporary.Path, "absent")]);
        DatasetAvailability missing = BuiltInDatasets.ProbeGlyphFonts([Path.Combine(_temporary.Path, "absent")]);

        Assert.True(present.Present);
        Assert.StartsWith("2 TrueType fonts", present.Detail);
        Assert.False(missing.Present);
        Assert.Contains("fonts-noto-core", missing.Detail);
    }
}
