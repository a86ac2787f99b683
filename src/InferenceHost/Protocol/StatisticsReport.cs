using System.Text.Json.Nodes;
using Cltool.InferenceHost.Protocol.Grpc;
using Cltool.InferenceHost.Serving;
using Duration = Cltool.InferenceHost.Serving.InferenceStatistics.Duration;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// Triton's statistics extension for REST (<c>GET /v2/models[/NAME[/versions/V]]/stats</c>) and gRPC
/// (<c>ModelStatistics</c>): which versions a request names (all ready versions of all models, of one model, or one
/// version, refused as Triton refuses an unknown model or version), and their statistics in either wire form.
/// </summary>
public static class StatisticsReport
{
    /// <summary>The versions a statistics request names; an empty name means every model, an empty version every ready version.</summary>
    public static IReadOnlyList<(string Model, string Version, InferenceStatistics.Snapshot Statistics)> Select(ModelRepository repository, string? name, string? version)
    {
        if (string.IsNullOrEmpty(name))
            return [.. repository.ServedModels().SelectMany(model => repository.ReadyVersions(model).Reverse()).Select(Read)];
        if (string.IsNullOrEmpty(version)) return [.. repository.ReadyVersions(name).Reverse().Select(Read)];
        using ServedVersion.Lease lease = repository.Acquire(name, version);
        return [Read(lease.Served)];
    }

    static (string, string, InferenceStatistics.Snapshot) Read(ServedVersion served) => (served.Model, served.Version.ToString(), served.Batcher.Statistics.Read());

    public static JsonObject Json(IEnumerable<(string Model, string Version, InferenceStatistics.Snapshot Statistics)> versions)
    {
        static JsonObject Of(Duration d) => new() { ["count"] = d.Count, ["ns"] = d.Nanoseconds };
        return new JsonObject
        {
            ["model_stats"] = new JsonArray([.. versions.Select(v => (JsonNode)new JsonObject
            {
                ["name"] = v.Model,
                ["version"] = v.Version,
                ["last_inference"] = v.Statistics.LastInferenceMs,
                ["inference_count"] = v.Statistics.InferenceCount,
                ["execution_count"] = v.Statistics.ExecutionCount,
                ["inference_stats"] = new JsonObject
                {
                    ["success"] = Of(v.Statistics.Success), ["fail"] = Of(v.Statistics.Fail), ["queue"] = Of(v.Statistics.Queue),
                    ["compute_input"] = Of(v.Statistics.ComputeInput), ["compute_infer"] = Of(v.Statistics.ComputeInfer),
                    ["compute_output"] = Of(v.Statistics.ComputeOutput), ["cache_hit"] = Of(default), ["cache_miss"] = Of(default),
                },
                ["batch_stats"] = new JsonArray([.. v.Statistics.Batches.Select(b => (JsonNode)new JsonObject
                {
                    ["batch_size"] = b.Size, ["compute_input"] = Of(b.ComputeInput), ["compute_infer"] = Of(b.ComputeInfer), ["compute_output"] = Of(b.ComputeOutput),
                })]),
            })]),
        };
    }

    public static ModelStatisticsResponse Proto(IEnumerable<(string Model, string Version, InferenceStatistics.Snapshot Statistics)> versions)
    {
        static StatisticDuration Of(Duration d) => new() { Count = (ulong)d.Count, Ns = (ulong)d.Nanoseconds };
        return new ModelStatisticsResponse
        {
            ModelStats =
            {
                versions.Select(v => new ModelStatistics
                {
                    Name = v.Model,
                    Version = v.Version,
                    LastInference = (ulong)v.Statistics.LastInferenceMs,
                    InferenceCount = (ulong)v.Statistics.InferenceCount,
                    ExecutionCount = (ulong)v.Statistics.ExecutionCount,
                    InferenceStats = new InferStatistics
                    {
                        Success = Of(v.Statistics.Success), Fail = Of(v.Statistics.Fail), Queue = Of(v.Statistics.Queue),
                        ComputeInput = Of(v.Statistics.ComputeInput), ComputeInfer = Of(v.Statistics.ComputeInfer),
                        ComputeOutput = Of(v.Statistics.ComputeOutput), CacheHit = Of(default), CacheMiss = Of(default),
                    },
                    BatchStats =
                    {
                        v.Statistics.Batches.Select(b => new InferBatchStatistics
                        {
                            BatchSize = (ulong)b.Size, ComputeInput = Of(b.ComputeInput), ComputeInfer = Of(b.ComputeInfer), ComputeOutput = Of(b.ComputeOutput),
                        }),
                    },
                }),
            },
        };
    }
}
