using Cltool.Core.Models;
using Cltool.Trainer.Models;
using TorchSharp;

namespace Cltool.Trainer.Tests;

public sealed class DisposeScopesTests
{
    /// <summary>
    /// Evaluation at batch 256 once held every activation of every block until its scope ended (1.8 GB). Each sub-layer
    /// now frees its own: the caller's scope keeps the embedding's few tensors, one output per block and the head's.
    /// </summary>
    [Fact]
    public void A_forward_without_gradients_leaves_one_tensor_per_block_in_the_callers_scope()
    {
        ViTConfig config = ViTConfig.Preset("vit-cpu-28").WithClasses(4);
        using var model = new VisionTransformer(config);
        model.eval();
        using var _ = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        torch.Tensor images = torch.randn(2, 3, config.ImageSize, config.ImageSize);
        int before = scope.DisposablesCount;

        model.forward(images);

        int kept = scope.DisposablesCount - before;
        Assert.InRange(kept, config.Depth, config.Depth + 10);   // 6 blocks: one each, plus patch embedding, class token, norm, head
    }

    [Fact]
    public void Every_parameter_still_gets_a_gradient_through_the_scoped_sub_layers()
    {
        ViTConfig config = ViTConfig.Preset("vit-cpu-28").WithClasses(3);
        using var model = new VisionTransformer(config);
        using var scope = torch.NewDisposeScope();
        using var generator = new torch.Generator(3);   // rooted for the draw (an inline one could be finalized during it)
        torch.Tensor images = torch.randn(2, 3, config.ImageSize, config.ImageSize, generator: generator);
        torch.Tensor logits = model.forward(images);
        logits.mul(logits).sum().backward();

        foreach ((string name, torch.Tensor parameter) in model.named_parameters())
            Assert.True(parameter.grad is { } grad && grad.abs().sum().item<float>() > 0, $"{name} got no gradient");
    }
}
