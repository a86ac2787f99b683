using Cltool.Core.Errors;
using Cltool.Core.Models;

namespace Cltool.Core.Weights;

/// <summary>
/// ViT weights in timm names, loaded strictly: every tensor the config expects must be present with its shape, and
/// nothing unexpected may remain. Two exceptions, both as timm does: a head in the file is ignored when the config
/// has no head (a backbone), and the position embedding may have another grid (the trainer resamples it).
/// </summary>
public static class ViTWeights
{
    public static Dictionary<string, HostTensor> Load(string path, ViTConfig config)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        WeightLayout layout = DetectLayout(file);
        Dictionary<string, HostTensor> tensors = layout == WeightLayout.Timm ? ReadAll(file) : FromHuggingFace(file, config);
        Validate(path, tensors, config);
        return tensors;
    }

    public static WeightLayout DetectLayout(SafeTensorsFile file)
    {
        if (file.Contains("blocks.0.attn.qkv.weight")) return WeightLayout.Timm;
        if (file.Tensors.Any(tensor => tensor.Name.EndsWith("encoder.layer.0.attention.attention.query.weight", StringComparison.Ordinal)))
            return WeightLayout.HuggingFace;
        throw new CltoolException($"Weights file '{file.Path}' is neither a timm ViT (blocks.0.attn.qkv.weight) " +
                                  "nor a Hugging Face ViTModel (encoder.layer.0.attention.attention.query.weight).");
    }

    /// <summary>The grid side of a position embedding with a class token, or null when it is not square.</summary>
    public static int? PositionGrid(long tokens)
    {
        int side = (int)Math.Round(Math.Sqrt(tokens - 1));
        return side * side == tokens - 1 ? side : null;
    }

    static Dictionary<string, HostTensor> ReadAll(SafeTensorsFile file) =>
        file.Tensors.ToDictionary(tensor => tensor.Name, tensor => new HostTensor(file.ReadFloats(tensor.Name), tensor.Shape));

    /// <summary>All Hugging Face → timm renaming lives here (transformers' convert_vit_timm_to_pytorch, reversed).</summary>
    static Dictionary<string, HostTensor> FromHuggingFace(SafeTensorsFile file, ViTConfig config)
    {
        string prefix = file.Contains("vit.embeddings.cls_token") ? "vit." : "";
        var consumed = new HashSet<string>();
        HostTensor Take(string name)
        {
            string full = prefix + name;
            if (!file.Contains(full)) throw new CltoolException($"Weights file '{file.Path}' (Hugging Face layout) is missing tensor '{full}'.");
            consumed.Add(full);
            return new HostTensor(file.ReadFloats(full), file[full].Shape);
        }

        var timm = new Dictionary<string, HostTensor>
        {
            ["cls_token"] = Take("embeddings.cls_token"),
            ["pos_embed"] = Take("embeddings.position_embeddings"),
            ["patch_embed.proj.weight"] = Take("embeddings.patch_embeddings.projection.weight"),
            ["patch_embed.proj.bias"] = Take("embeddings.patch_embeddings.projection.bias"),
            ["norm.weight"] = Take("layernorm.weight"),
            ["norm.bias"] = Take("layernorm.bias"),
        };
        for (int block = 0; block < config.Depth; block++)
        {
            string hf = $"encoder.layer.{block}.", ours = $"blocks.{block}.";
            timm[ours + "norm1.weight"] = Take(hf + "layernorm_before.weight");
            timm[ours + "norm1.bias"] = Take(hf + "layernorm_before.bias");
            foreach (string kind in new[] { "weight", "bias" })
            {
                // timm's fused qkv stacks the rows of query, key and value in that order.
                timm[ours + "attn.qkv." + kind] = Concatenate(
                    Take(hf + "attention.attention.query." + kind),
                    Take(hf + "attention.attention.key." + kind),
                    Take(hf + "attention.attention.value." + kind));
                timm[ours + "attn.proj." + kind] = Take(hf + "attention.output.dense." + kind);
                timm[ours + "norm2." + kind] = Take(hf + "layernorm_after." + kind);
                timm[ours + "mlp.fc1." + kind] = Take(hf + "intermediate.dense." + kind);
                timm[ours + "mlp.fc2." + kind] = Take(hf + "output.dense." + kind);
            }
        }
        if (file.Contains("classifier.weight"))
        {
            consumed.Add("classifier.weight");
            consumed.Add("classifier.bias");
            timm["head.weight"] = new HostTensor(file.ReadFloats("classifier.weight"), file["classifier.weight"].Shape);
            timm["head.bias"] = new HostTensor(file.ReadFloats("classifier.bias"), file["classifier.bias"].Shape);
        }
        // The pooler exists only in some in21k exports and is not part of timm's ViT; everything else must be used.
        string[] leftover = file.Tensors.Select(tensor => tensor.Name)
            .Where(name => !consumed.Contains(name) && !name.StartsWith(prefix + "pooler.", StringComparison.Ordinal)).ToArray();
        if (leftover.Length > 0) throw Unexpected(file.Path, leftover);
        return timm;
    }

    static HostTensor Concatenate(params HostTensor[] parts)
    {
        long[] shape = (long[])parts[0].Shape.Clone();
        shape[0] = parts.Sum(part => part.Shape[0]);
        return new HostTensor(parts.SelectMany(part => part.Data).ToArray(), shape);
    }

    static void Validate(string path, Dictionary<string, HostTensor> tensors, ViTConfig config)
    {
        if (config.Classes == 0)
        {
            tensors.Remove("head.weight");
            tensors.Remove("head.bias");
        }
        var expected = config.ExpectedTensors().ToDictionary(tensor => tensor.Name, tensor => tensor.Shape);
        string[] missing = expected.Keys.Where(name => !tensors.ContainsKey(name)).ToArray();
        if (missing.Length > 0)
            throw new CltoolException($"Weights file '{path}' is missing {missing.Length} tensor(s) the model needs: {Summarise(missing)}.");
        string[] unexpected = tensors.Keys.Where(name => !expected.ContainsKey(name)).ToArray();
        if (unexpected.Length > 0) throw Unexpected(path, unexpected);

        foreach ((string name, long[] shape) in expected)
        {
            HostTensor tensor = tensors[name];
            bool matches = name == "pos_embed" ? PositionEmbeddingFits(tensor.Shape, shape) : tensor.Shape.SequenceEqual(shape);
            if (!matches)
                throw new CltoolException($"Weights file '{path}': tensor '{name}' has shape {tensor.ShapeText}, " +
                                          $"the model ({Describe(config)}) expects [{string.Join(", ", shape)}].");
        }
    }

    // Another grid is fine (resampled later); another width or a non-square grid is not.
    static bool PositionEmbeddingFits(long[] actual, long[] expected) =>
        actual.Length == 3 && actual[0] == 1 && actual[2] == expected[2] && PositionGrid(actual[1]) is not null;

    static CltoolException Unexpected(string path, string[] names) =>
        new($"Weights file '{path}' has {names.Length} tensor(s) this ViT does not use: {Summarise(names)}.");

    static string Summarise(string[] names) =>
        names.Length <= 5 ? string.Join(", ", names) : string.Join(", ", names.Take(5)) + $" and {names.Length - 5} more";

    static string Describe(ViTConfig config) =>
        $"dim {config.Dim}, depth {config.Depth}, patch {config.PatchSize}, image {config.ImageSize}, {config.Classes} classes";
}
