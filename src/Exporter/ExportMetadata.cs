using System.Globalization;
using Cltool.Core.Continual;
using Cltool.Core.Models;

namespace Cltool.Exporter;

/// <summary>
/// The ONNX file's <c>metadata_props</c>: everything a server needs to serve the model without its checkpoint (labels,
/// preprocessing) and everything a reviewer needs to trace it (method, tasks, source checkpoint, producer).
/// </summary>
public static class ExportMetadata
{
    public static Dictionary<string, string> For(ContinualCheckpoint checkpoint, string checkpointSha256, bool merged, bool half)
    {
        var p = checkpoint.Preprocessing;
        string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        return new Dictionary<string, string>
        {
            ["labels"] = CltoolJson.SerializeCompact(checkpoint.Labels),
            ["image_size"] = p.ImageSize.ToString(CultureInfo.InvariantCulture),
            ["resize_size"] = p.ResizeSize.ToString(CultureInfo.InvariantCulture),
            ["crop_fraction"] = Number(p.CropFraction),
            ["interpolation"] = p.Interpolation.ToString().ToLowerInvariant(),
            ["normalize"] = p.Normalize ? "true" : "false",
            ["mean"] = "[" + string.Join(",", p.Mean.Select(m => Number(m))) + "]",
            ["std"] = "[" + string.Join(",", p.Std.Select(s => Number(s))) + "]",
            ["method"] = checkpoint.Method,
            ["tasks"] = (checkpoint.Task + 1).ToString(CultureInfo.InvariantCulture),
            ["tasks_in_run"] = checkpoint.Scenario.Tasks.ToString(CultureInfo.InvariantCulture),
            ["adapters"] = merged ? "merged" : "unmerged",
            ["dtype"] = half ? "fp16" : "fp32",
            ["source_checkpoint_sha256"] = checkpointSha256,
            ["base_model_sha256"] = checkpoint.BaseSha256,
            ["producer"] = "cltool",
            ["producer_version"] = typeof(ExportMetadata).Assembly.GetName().Version?.ToString(3) ?? "",
        };
    }
}
