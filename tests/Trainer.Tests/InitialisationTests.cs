using Cltool.Core.Data;
using Cltool.Core.Imaging;
using Cltool.Core.Models;
using Cltool.Trainer.Models;
using Cltool.Trainer.Optim;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

public sealed class InitialisationTests
{
    [Fact]
    public void Canary_torchsharp_trunc_normal_still_fills_a_constant_so_cltool_uses_its_own()
    {
        // When this fails, TorchSharp fixed nn.init.trunc_normal_ and Initialisation.TruncatedNormal_ can go.
        using var weights = zeros(16, 16);
        nn.init.trunc_normal_(weights, std: 0.02);

        Assert.Equal(weights.min().item<float>(), weights.max().item<float>()); // every value is `std`
    }

    [Fact]
    public void Truncated_normal_has_the_requested_spread_and_respects_the_bounds()
    {
        random.manual_seed(0);
        using var wide = Initialisation.TruncatedNormal_(empty(200_000), std: 0.02);
        using var tight = Initialisation.TruncatedNormal_(empty(200_000), std: 1, a: -1, b: 1);

        Assert.InRange(wide.std().item<float>(), 0.0198, 0.0202);
        Assert.InRange(wide.mean().item<float>(), -2e-4, 2e-4);
        Assert.InRange(tight.min().item<float>(), -1f, -0.99f);
        Assert.InRange(tight.max().item<float>(), 0.99f, 1f);
        // A standard normal truncated to [-1, 1] has variance 1 - 2φ(1)/(Φ(1)-Φ(-1)) = 0.2911.
        Assert.InRange(tight.var().item<float>(), 0.286, 0.296);
    }

    [Fact]
    public void A_new_vit_has_timm_initialisation_and_its_features_depend_on_the_image()
    {
        random.manual_seed(0);
        using var model = new VisionTransformer(ViTConfig.Preset("vit-test-16").WithClasses(4));
        using var images = randn(4, 3, 16, 16);

        using var features = model.ForwardFeatures(images);
        using var batch = model.forward(images);
        using var single = model.forward(images[2..3]);

        Assert.InRange(model.Blocks[0].Attention.Qkv.weight!.std().item<float>(), 0.018, 0.022);
        Assert.True(features.std(0).mean().item<float>() > 0.05, "features do not vary with the image");
        Assert.True((batch[2..3] - single).abs().max().item<float>() < 1e-5, "a batch mixes its samples");
    }

    [Fact]
    public void A_small_vit_memorises_a_batch_of_real_glyphs()
    {
        IImageDataset glyphs = DatasetCatalog.Open("glyphs:digits?train=4", DatasetSplit.Train);
        var preprocessing = Preprocessing.Native(28);
        var loader = new BatchLoader(glyphs, Enumerable.Range(0, 40).ToArray(), (image, _) => Transforms.Eval(image, preprocessing), 40);
        Batch batch = loader.Epoch(0, 0, shuffle: false, dropLast: true).Single();
        random.manual_seed(0);
        using var model = new VisionTransformer(new ViTConfig(28, 4, 3, 64, 2, 2, 2.0, 10));
        using var optimizer = new AdamW([AdamW.Group.All(model, 0)]);
        using var images = tensor(batch.Images, [40, 3, 28, 28]);
        using var labels = tensor(batch.Labels);

        double loss = double.NaN;
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor value = nn.functional.cross_entropy(model.forward(images), labels);
            value.backward();
            optimizer.Step(2e-3 * Math.Min(1, (step + 1) / 10.0));
            loss = value.item<float>();
        }

        Assert.True(loss < 0.1, $"loss after 150 steps: {loss:F3}");
    }
}
