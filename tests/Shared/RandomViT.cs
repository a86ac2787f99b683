using Cltool.Core.Models;
using Cltool.Core.Weights;

namespace Cltool.Testing;

/// <summary>Random but plausible ViT weights in timm names, and writers for the timm and Hugging Face file layouts.</summary>
public static class RandomViT
{
    public static Dictionary<string, HostTensor> Weights(ViTConfig config, int seed)
    {
        var random = new Random(seed);
        var weights = new Dictionary<string, HostTensor>();
        foreach ((string name, long[] shape) in config.ExpectedTensors())
        {
            var data = new float[shape.Aggregate(1L, (a, b) => a * b)];
            bool isNormScale = name.EndsWith("norm1.weight") || name.EndsWith("norm2.weight") || name == "norm.weight";
            // Uniform noise (std 0.1 or 0.05): as good as Gaussian for parity checks, and fast for ViT-B's 86M values.
            float centre = isNormScale ? 1 : 0, halfWidth = (isNormScale ? 0.1f : 0.05f) * MathF.Sqrt(3);
            for (int i = 0; i < data.Length; i++) data[i] = centre + (random.NextSingle() * 2 - 1) * halfWidth;
            weights[name] = new HostTensor(data, shape);
        }
        return weights;
    }

    public static void WriteTimm(string path, IReadOnlyDictionary<string, HostTensor> weights, string dtype = "F32")
    {
        var writer = new SafeTensorsWriter();
        writer.Metadata["format"] = "pt";
        foreach ((string name, HostTensor tensor) in weights) writer.Add(name, tensor.Data, tensor.Shape, dtype);
        writer.Save(path);
    }

    /// <summary>Writes the layout of transformers' ViTForImageClassification, spelled out independently of the loader.</summary>
    public static void WriteHuggingFace(string path, IReadOnlyDictionary<string, HostTensor> weights, int depth, int dim)
    {
        var writer = new SafeTensorsWriter();
        void Put(string name, HostTensor tensor) => writer.Add("vit." + name, tensor.Data, tensor.Shape);
        Put("embeddings.cls_token", weights["cls_token"]);
        Put("embeddings.position_embeddings", weights["pos_embed"]);
        Put("embeddings.patch_embeddings.projection.weight", weights["patch_embed.proj.weight"]);
        Put("embeddings.patch_embeddings.projection.bias", weights["patch_embed.proj.bias"]);
        for (int i = 0; i < depth; i++)
        {
            string t = $"blocks.{i}.", h = $"encoder.layer.{i}.";
            HostTensor qkvWeight = weights[t + "attn.qkv.weight"], qkvBias = weights[t + "attn.qkv.bias"];
            string[] parts = ["query", "key", "value"];
            for (int p = 0; p < 3; p++)
            {
                Put(h + $"attention.attention.{parts[p]}.weight",
                    new HostTensor(qkvWeight.Data.AsSpan(p * dim * dim, dim * dim).ToArray(), [dim, dim]));
                Put(h + $"attention.attention.{parts[p]}.bias", new HostTensor(qkvBias.Data.AsSpan(p * dim, dim).ToArray(), [dim]));
            }
            Put(h + "layernorm_before.weight", weights[t + "norm1.weight"]);
            Put(h + "layernorm_before.bias", weights[t + "norm1.bias"]);
            Put(h + "attention.output.dense.weight", weights[t + "attn.proj.weight"]);
            Put(h + "attention.output.dense.bias", weights[t + "attn.proj.bias"]);
            Put(h + "layernorm_after.weight", weights[t + "norm2.weight"]);
            Put(h + "layernorm_after.bias", weights[t + "norm2.bias"]);
            Put(h + "intermediate.dense.weight", weights[t + "mlp.fc1.weight"]);
            Put(h + "intermediate.dense.bias", weights[t + "mlp.fc1.bias"]);
            Put(h + "output.dense.weight", weights[t + "mlp.fc2.weight"]);
            Put(h + "output.dense.bias", weights[t + "mlp.fc2.bias"]);
        }
        Put("layernorm.weight", weights["norm.weight"]);
        Put("layernorm.bias", weights["norm.bias"]);
        if (weights.TryGetValue("head.weight", out HostTensor? head))
        {
            writer.Add("classifier.weight", head.Data, head.Shape);
            writer.Add("classifier.bias", weights["head.bias"].Data, weights["head.bias"].Shape);
        }
        writer.Save(path);
    }

    public static float[] Image(ViTConfig config, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, config.Channels * config.ImageSize * config.ImageSize).Select(_ => (float)random.NextDouble()).ToArray();
    }
}
