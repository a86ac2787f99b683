using Cltool.Core.Models;
using Cltool.Trainer.Models;
using Cltool.Trainer.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace Cltool.Trainer.Tests;

public sealed class AdamWTests
{
    [Fact]
    public void A_vit_overfits_one_batch()
    {
        random.manual_seed(0);
        ViTConfig config = ViTConfig.Preset("vit-test-16").WithClasses(4);
        using var model = new VisionTransformer(config);
        var parameters = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToList();
        using var optimizer = new AdamW([new AdamW.Group(parameters, 0.0)]);
        using var images = randn(8, 3, 16, 16);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3 });
        double first = 0, last = 0;
        for (int step = 0; step < 60; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            Tensor loss = nn.functional.cross_entropy(model.forward(images), labels);
            loss.backward();
            optimizer.Step(3e-3);
            last = loss.item<float>();
            if (step == 0) first = last;
        }
        Assert.True(last < first * 0.1, $"loss went from {first:F3} to {last:F3}");
    }
}
