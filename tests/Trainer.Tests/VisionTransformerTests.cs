using Cltool.Core.Errors;
using Cltool.Core.Models;
using Cltool.Core.Weights;
using Cltool.Trainer.Models;
using TorchSharp;

namespace Cltool.Trainer.Tests;

public sealed class VisionTransformerTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static float[] TorchForward(ViTConfig config, IReadOnlyDictionary<string, HostTensor> weights, float[] image)
    {
        using var model = new VisionTransformer(config);
        model.LoadWeights(weights);
        model.eval();
        using var _ = torch.no_grad();
        using var input = torch.tensor(image, [1, config.Channels, config.ImageSize, config.ImageSize]);
        using var output = model.forward(input);
        return output.data<float>().ToArray();
    }

    static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance, $"max |difference| {worst:E2} exceeds {tolerance:E2}");
    }

    [Fact]
    public void The_state_dict_has_exactly_timms_names_and_shapes()
    {
        ViTConfig config = ViTConfig.Preset("vit-test-16").WithClasses(5);
        using var model = new VisionTransformer(config);

        var actual = model.state_dict().Select(pair => (pair.Key, string.Join("x", pair.Value.shape))).ToArray();
        var expected = config.ExpectedTensors().Select(t => (t.Name, string.Join("x", t.Shape))).ToArray();

        Assert.Equal(expected.OrderBy(t => t.Name), actual.OrderBy(t => t.Key));
        Assert.Equal(config.ParameterCount(), model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Small_vit_logits_equal_the_independent_managed_forward()
    {
        ViTConfig config = ViTConfig.Preset("vit-test-16").WithClasses(7);
        Dictionary<string, HostTensor> weights = RandomViT.Weights(config, seed: 1);
        float[] image = RandomViT.Image(config, seed: 2);

        AssertClose(ReferenceViT.Forward(weights, config, image), TorchForward(config, weights, image), 1e-4);
    }

    [Fact]
    public void A_timm_layout_vit_b16_file_loads_strictly_and_its_logits_match_the_reference()
    {
        ViTConfig config = ViTConfig.Preset("vit-base-patch16-224");
        Dictionary<string, HostTensor> weights = RandomViT.Weights(config, seed: 3);
        string path = _temporary.File("vit_base_patch16_224.safetensors");
        RandomViT.WriteTimm(path, weights);
        float[] image = RandomViT.Image(config, seed: 4);

        Dictionary<string, HostTensor> loaded = ViTWeights.Load(path, config);
        float[] logits = TorchForward(config, loaded, image);

        Assert.Equal(86_567_656, config.ParameterCount());
        Assert.Equal(1000, logits.Length);
        AssertClose(ReferenceViT.Forward(weights, config, image), logits, 2e-3);
    }

    [Fact]
    public void A_hugging_face_file_of_twelve_blocks_maps_to_exactly_the_timm_tensors()
    {
        // ViT-B/16's depth (two-digit block names, where a prefix match would confuse blocks.1 with blocks.10) at a width
        // that builds in milliseconds; the full ViT-B/16 is built once, by the timm test above.
        ViTConfig config = ViTConfig.Preset("vit-test-16").WithClasses(1000) with { Depth = 12 };
        Dictionary<string, HostTensor> weights = RandomViT.Weights(config, seed: 5);
        string path = _temporary.File("model.safetensors");
        RandomViT.WriteHuggingFace(path, weights, config.Depth, config.Dim);

        Dictionary<string, HostTensor> loaded = ViTWeights.Load(path, config);

        Assert.Equal(weights.Keys.Order(), loaded.Keys.Order());
        foreach ((string name, HostTensor tensor) in weights)
        {
            Assert.Equal(tensor.Shape, loaded[name].Shape);
            Assert.True(tensor.Data.AsSpan().SequenceEqual(loaded[name].Data), $"tensor {name} differs");
        }
    }

    [Fact]
    public void A_hugging_face_file_gives_the_same_logits_as_the_reference()
    {
        ViTConfig config = ViTConfig.Preset("vit-test-16").WithClasses(4);
        Dictionary<string, HostTensor> weights = RandomViT.Weights(config, seed: 6);
        string path = _temporary.File("hf.safetensors");
        RandomViT.WriteHuggingFace(path, weights, config.Depth, config.Dim);
        float[] image = RandomViT.Image(config, seed: 7);

        AssertClose(ReferenceViT.Forward(weights, config, image), TorchForward(config, ViTWeights.Load(path, config), image), 1e-4);
    }

    [Fact]
    public void A_224_checkpoint_loads_into_a_32_pixel_model_with_a_resampled_position_embedding()
    {
        ViTConfig source = new(64, 16, 3, 32, 1, 2, 2.0, 0);       // 4x4 grid
        ViTConfig target = source with { ImageSize = 32 };         // 2x2 grid
        Dictionary<string, HostTensor> weights = RandomViT.Weights(source, seed: 8);
        // A position embedding that is constant over the grid must stay constant; the class token must be untouched.
        float[] pos = weights["pos_embed"].Data;
        for (int token = 1; token < source.Tokens; token++)
            for (int channel = 0; channel < source.Dim; channel++) pos[token * source.Dim + channel] = channel * 0.1f;
        string path = _temporary.File("big.safetensors");
        RandomViT.WriteTimm(path, weights);

        using var model = new VisionTransformer(target);
        model.LoadWeights(ViTWeights.Load(path, target));
        float[] resampled = model.ExportWeights()["pos_embed"].Data;

        Assert.Equal(target.Tokens * target.Dim, resampled.Length);
        Assert.Equal(pos.AsSpan(0, source.Dim).ToArray(), resampled.AsSpan(0, source.Dim).ToArray());
        for (int token = 1; token < target.Tokens; token++)
            for (int channel = 0; channel < target.Dim; channel++)
                Assert.Equal(channel * 0.1f, resampled[token * target.Dim + channel], 5);
    }

    [Fact]
    public void Weights_of_another_shape_are_refused_naming_the_tensor()
    {
        ViTConfig small = ViTConfig.Preset("vit-test-16");
        string path = _temporary.File("small.safetensors");
        RandomViT.WriteTimm(path, RandomViT.Weights(small, seed: 9));

        var error = Assert.Throws<CltoolException>(() => ViTWeights.Load(path, small with { Dim = 64, Heads = 4 }));

        Assert.Contains("'cls_token' has shape [1, 1, 32]", error.Message);
        Assert.Contains("expects [1, 1, 64]", error.Message);
    }
}
