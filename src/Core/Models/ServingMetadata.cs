using System.Globalization;
using Cltool.Core.Errors;
using Cltool.Core.Imaging;

namespace Cltool.Core.Models;

/// <summary>
/// What a server needs to serve an exported model without its checkpoint: the labels in logit order and the
/// preprocessing. The exporter writes it into the ONNX file's metadata_props; the inference host reads it back.
/// </summary>
public sealed record ServingMetadata(string[] Labels, Preprocessing Preprocessing)
{
    public Dictionary<string, string> ToProperties()
    {
        var p = Preprocessing;
        return new Dictionary<string, string>
        {
            ["labels"] = CltoolJson.SerializeCompact(Labels),
            ["image_size"] = p.ImageSize.ToString(CultureInfo.InvariantCulture),
            ["resize_size"] = p.ResizeSize.ToString(CultureInfo.InvariantCulture),
            ["crop_fraction"] = Number(p.CropFraction),
            ["interpolation"] = p.Interpolation.ToString().ToLowerInvariant(),
            ["normalize"] = p.Normalize ? "true" : "false",
            ["mean"] = "[" + string.Join(",", p.Mean.Select(m => Number(m))) + "]",
            ["std"] = "[" + string.Join(",", p.Std.Select(s => Number(s))) + "]",
        };
    }

    /// <summary>Reads the properties back; a missing or malformed key is one error naming it.</summary>
    public static ServingMetadata FromProperties(IReadOnlyDictionary<string, string> properties, string what)
    {
        string Get(string key) => properties.TryGetValue(key, out string? value)
            ? value : throw new CltoolException($"{what} lacks the metadata '{key}' that cltool export writes (labels and preprocessing).");
        T Parse<T>(string key) => CltoolJson.Deserialize<T>(Get(key), $"{what} metadata '{key}'");
        if (!Enum.TryParse(Get("interpolation"), ignoreCase: true, out Interpolation interpolation))
            throw new CltoolException($"{what} metadata 'interpolation' is '{Get("interpolation")}'; expected bilinear or bicubic.");
        var preprocessing = new Preprocessing(Parse<int>("image_size"), Parse<double>("crop_fraction"), interpolation,
            Parse<float[]>("mean"), Parse<float[]>("std"), Parse<bool>("normalize"));
        return new ServingMetadata(Parse<string[]>("labels"), preprocessing);
    }

    static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
