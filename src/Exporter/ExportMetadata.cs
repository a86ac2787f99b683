using System.Globalization;
using Cltool.Core.Continual;
using Cltool.Core.Models;
using Cltool.Exporter.Onnx;

namespace Cltool.Exporter;

/// <summary>
/// The ONNX file's <c>metadata_props</c>: everything a server needs to serve the model without its checkpoint (labels,
/// preprocessing: <see cref="ServingMetadata"/>) and everything a reviewer needs to trace it (method, tasks, source
/// checkpoint, producer).
/// </summary>
public static class ExportMetadata
{
    public static Dictionary<string, string> For(ContinualCheckpoint checkpoint, string checkpointSha256, bool merged, WeightPrecision precision)
    {
        Dictionary<string, string> properties = new ServingMetadata(checkpoint.Labels, checkpoint.Preprocessing).ToProperties();
        properties["method"] = checkpoint.Method;
        properties["tasks"] = (checkpoint.Task + 1).ToString(CultureInfo.InvariantCulture);
        properties["tasks_in_run"] = checkpoint.Scenario.Tasks.ToString(CultureInfo.InvariantCulture);
        properties["adapters"] = merged ? "merged" : "unmerged";
        properties["dtype"] = precision.ToString().ToLowerInvariant();
        properties["source_checkpoint_sha256"] = checkpointSha256;
        properties["base_model_sha256"] = checkpoint.BaseSha256;
        properties["producer"] = OnnxFormat.Producer;
        properties["producer_version"] = OnnxFormat.ProducerVersion;
        return properties;
    }
}
