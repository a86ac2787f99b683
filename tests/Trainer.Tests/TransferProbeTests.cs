using Cltool.Core.Data;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Trainer.Models;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

public sealed class TransferProbeTests
{
    /// <summary>Class k is a bright 4 × 4 square in the k-th cell of a 4 × 4 grid, on noise: separable by any sane classifier.</summary>
    sealed class Squares(DatasetSplit split, int perClass) : IImageDataset
    {
        public string Name => "squares";
        public DatasetSplit Split => split;
        public IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 16).Select(k => $"cell {k}").ToArray();
        public int Count => 16 * perClass;
        public bool FlipInvariant => false;
        public int LabelOf(int index) => index % 16;

        public RgbImage Load(int index)
        {
            var random = new Random(index * 2 + (split == DatasetSplit.Train ? 0 : 1));
            var gray = new byte[16 * 16];
            for (int i = 0; i < gray.Length; i++) gray[i] = (byte)random.Next(0, 80);
            int cell = LabelOf(index), top = cell / 4 * 4, left = cell % 4 * 4;
            for (int y = top; y < top + 4; y++)
                for (int x = left; x < left + 4; x++) gray[y * 16 + x] = 255;
            return RgbImage.FromGray(16, 16, gray);
        }
    }

    static readonly Squares Train = new(DatasetSplit.Train, 8), Test = new(DatasetSplit.Test, 4);

    static ProbeResult Probe(string name, TransferProbe.Representation representation) =>
        TransferProbe.Run("squares", name, representation, Train, Test, Enumerable.Range(0, Train.Count).ToArray(),
            Enumerable.Range(0, Test.Count).ToArray(), Preprocessing.Native(16), CPU);

    [Fact]
    public void Raw_pixels_of_separable_classes_score_fully_with_both_classifiers()
    {
        ProbeResult result = Probe("raw pixels", TransferProbe.Pixels);

        Assert.Equal(("squares", "raw pixels", 16, 128, 64), (result.Dataset, result.Representation, result.Classes, result.TrainImages, result.TestImages));
        Assert.Equal(1.0, result.LinearTrainAccuracy);
        Assert.Equal(1.0, result.LinearTestAccuracy);
        Assert.Equal(1.0, result.PrototypeTestAccuracy);
    }

    [Fact]
    public void A_class_token_representation_gives_one_feature_row_of_the_model_width_per_image()
    {
        random.manual_seed(3);
        using var backbone = new VisionTransformer(ViTConfig.Preset("vit-test-16"));

        using Tensor features = TransferProbe.Features(TransferProbe.ClassToken(backbone), Test, [0, 1, 2, 5, 7], Preprocessing.Native(16), CPU);

        Assert.Equal([5L, 32L], features.shape);
        Assert.True(features[0].sub(features[1]).abs().max().item<float>() > 1e-3, "two images gave the same features");
    }
}
