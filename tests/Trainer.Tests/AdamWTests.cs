using Cltool.Core.Models;
using Cltool.Trainer.Models;
using Cltool.Trainer.Optim;
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
        using var optimizer = new AdamW([AdamW.Group.All(model, 0.0)]);
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

    [Fact]
    public void Steps_match_torch_optim_adamw_with_weight_decay()
    {
        ViTConfig config = ViTConfig.Preset("vit-test-16").WithClasses(4);
        random.manual_seed(0);
        using var ours = new VisionTransformer(config);
        random.manual_seed(0);
        using var reference = new VisionTransformer(config);
        using var optimizer = new AdamW([AdamW.Group.All(ours, 0.05)]);
        var torchOptimizer = optim.AdamW(reference.parameters(), lr: 1e-3, weight_decay: 0.05);
        random.manual_seed(1);
        using var images = randn(8, 3, 16, 16);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3 });

        for (int step = 0; step < 5; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.ZeroGrad();
            nn.functional.cross_entropy(ours.forward(images), labels).backward();
            optimizer.Step(1e-3);
            torchOptimizer.zero_grad();
            nn.functional.cross_entropy(reference.forward(images), labels).backward();
            torchOptimizer.step();
        }

        using var _ = no_grad();
        double worst = ours.parameters().Zip(reference.parameters(), (a, b) => (double)(a - b).abs().max().item<float>()).Max();
        Assert.True(worst <= 1e-7, $"max parameter difference {worst:E2}");
        Assert.Equal(5, optimizer.Steps);
    }
}
