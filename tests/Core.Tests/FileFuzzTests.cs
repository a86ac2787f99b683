using System.Runtime.CompilerServices;
using Cltool.Core.Continual;
using Cltool.Core.Data;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using CsCheck;
using SkiaSharp;

namespace Cltool.Core.Tests;

/// <summary>
/// Damaged copies of every kind of file a user hands cltool (seeded, bounded; a failure prints the shrunk case and its
/// seed). The property: the file loads, or the loader throws the one exception the command line prints as one line
/// (exit 1). Anything else would reach the user as a stack trace.
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class FileFuzzTests : IDisposable
{
    const int Iterations = 300;
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    void EveryCaseLoadsOrFailsClearly(Gen<byte[]> cases, string fileName, Action<string> load, [CallerMemberName] string test = "") =>
        FuzzCases.Files(cases, Iterations, _temporary.File(fileName), load, test);

    [Fact]
    public void Damaged_model_files_load_or_fail_with_one_clear_line()
    {
        byte[] valid = File.ReadAllBytes(TinyBase.Write(_temporary.File("base.safetensors")));

        EveryCaseLoadsOrFailsClearly(ByteMutations.Damaged(valid, ByteMutations.SafeTensorsHeader(valid)), "model.safetensors", path => ModelFile.Load(path));
    }

    [Fact]
    public void Damaged_golden_batches_load_or_fail_with_one_clear_line()
    {
        string original = _temporary.File("golden-original.safetensors");
        new GoldenBatch(new HostTensor(new float[2 * 3 * 4 * 4], [2, 3, 4, 4]), new HostTensor([1, 2, 3, 4], [2, 2]), [5, 9]).Save(original, "abc");
        byte[] valid = File.ReadAllBytes(original);

        EveryCaseLoadsOrFailsClearly(ByteMutations.Damaged(valid, ByteMutations.SafeTensorsHeader(valid)), "golden.safetensors", path => GoldenBatch.Load(path));
    }

    [Fact]
    public void Damaged_recipes_load_or_fail_with_one_clear_line()
    {
        byte[] valid = File.ReadAllBytes(Repository.File("models", "recipes", "split-fashion-mnist.json"));

        EveryCaseLoadsOrFailsClearly(ByteMutations.Damaged(valid), "recipe.json", path => TrainRecipe.Load(path).Validate().CreateScenario(10));
    }

    [Fact]
    public void Image_folders_with_a_damaged_image_open_and_load_or_fail_with_one_clear_line()
    {
        byte[] valid = DatasetTests.Png(6, 5, new SKColor(10, 200, 30));
        string root = _temporary.File("folder");
        foreach (string split in new[] { "train", "test" })
            foreach (string label in new[] { "cat", "dog" })
                File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Path.Combine(root, split, label)).FullName, "a.png"), valid);

        EveryCaseLoadsOrFailsClearly(ByteMutations.Damaged(valid, focus: 40), Path.Combine("folder", "train", "dog", "b.png"), _ =>
        {
            IImageDataset dataset = DatasetCatalog.Open($"imagefolder:{root}", DatasetSplit.Train);
            for (int i = 0; i < dataset.Count; i++) dataset.Load(i);
        });
    }
}
