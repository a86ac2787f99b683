using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Core.Tests;

public sealed class ViTWeightsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();
    static readonly ViTConfig Tiny = ViTConfig.Preset("vit-test-16");

    public void Dispose() => _temporary.Dispose();

    string Write(Dictionary<string, HostTensor> weights)
    {
        string path = _temporary.File(Guid.NewGuid().ToString("N") + ".safetensors");
        RandomViT.WriteTimm(path, weights);
        return path;
    }

    [Fact]
    public void Preset_parameter_counts_match_timm()
    {
        Assert.Equal(86_567_656, ViTConfig.Preset("vit-base-patch16-224").ParameterCount());
        Assert.Equal(22_050_664, ViTConfig.Preset("vit-small-patch16-224").ParameterCount());
        Assert.Equal(5_717_416, ViTConfig.Preset("vit-tiny-patch16-224").ParameterCount());
    }

    [Theory]
    [InlineData(30, 4, 32, 2, "not a multiple of patch size")]
    [InlineData(16, 4, 30, 4, "not divisible by 4 heads")]
    public void Inconsistent_configs_are_refused(int image, int patch, int dim, int heads, string problem)
    {
        var error = Assert.Throws<CltoolException>(() => (Tiny with { ImageSize = image, PatchSize = patch, Dim = dim, Heads = heads }).Validate());
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void An_unknown_preset_lists_the_known_ones()
    {
        var error = Assert.Throws<CltoolException>(() => ViTConfig.Preset("vit-huge"));
        Assert.Contains("vit-base-patch16-224", error.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var weights = RandomViT.Weights(Tiny, 1);
        weights.Remove("blocks.1.mlp.fc2.bias");

        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(Write(weights), Tiny));

        Assert.Contains("missing 1 tensor(s) the model needs: blocks.1.mlp.fc2.bias", error.Message);
    }

    [Fact]
    public void An_unexpected_tensor_is_named()
    {
        var weights = RandomViT.Weights(Tiny, 1);
        weights["blocks.9.attn.qkv.weight"] = new HostTensor(new float[4], [2, 2]);

        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(Write(weights), Tiny));

        Assert.Contains("1 tensor(s) this ViT does not use: blocks.9.attn.qkv.weight", error.Message);
    }

    [Fact]
    public void A_misshaped_tensor_is_named_with_both_shapes()
    {
        var weights = RandomViT.Weights(Tiny, 1);
        weights["blocks.0.mlp.fc1.weight"] = new HostTensor(new float[32 * 32], [32, 32]);

        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(Write(weights), Tiny));

        Assert.Contains("'blocks.0.mlp.fc1.weight' has shape [32, 32]", error.Message);
        Assert.Contains("expects [64, 32]", error.Message);
    }

    [Fact]
    public void A_head_is_dropped_for_a_backbone_and_required_for_a_classifier()
    {
        var withHead = RandomViT.Weights(Tiny.WithClasses(3), 1);
        string path = Write(withHead);

        Assert.DoesNotContain("head.weight", ViTWeights.Load(path, Tiny).Keys);
        Assert.Contains("head.weight", ViTWeights.Load(path, Tiny.WithClasses(3)).Keys);
        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(path, Tiny.WithClasses(10)));
        Assert.Contains("'head.weight' has shape [3, 32]", error.Message);
    }

    [Fact]
    public void A_position_embedding_of_another_square_grid_is_accepted_a_non_square_one_is_not()
    {
        var weights = RandomViT.Weights(Tiny, 1);
        weights["pos_embed"] = new HostTensor(new float[17 * 32], [1, 17, 32]); // 4x4 grid for a 4x4 model: same
        Assert.NotNull(ViTWeights.Load(Write(weights), Tiny));
        weights["pos_embed"] = new HostTensor(new float[50 * 32], [1, 50, 32]); // 7x7 grid: resampled later
        Assert.Equal(new long[] { 1, 50, 32 }, ViTWeights.Load(Write(weights), Tiny)["pos_embed"].Shape);
        weights["pos_embed"] = new HostTensor(new float[20 * 32], [1, 20, 32]); // 19 patches: no grid

        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(Write(weights), Tiny));
        Assert.Contains("'pos_embed' has shape [1, 20, 32]", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_vit_says_which_layouts_it_knows()
    {
        string path = _temporary.File("resnet.safetensors");
        new SafeTensorsWriter().Add("conv1.weight", new float[4], [4]).Save(path);

        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(path, Tiny));

        Assert.Contains("neither a timm ViT", error.Message);
    }
}
