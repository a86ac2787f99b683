using Cltool.Core.Errors;
using Cltool.Core.IO;
using Cltool.Core.Models;
using YamlDotNet.Serialization;

namespace Cltool.Exporter;

/// <summary>
/// Kubernetes manifests for a Triton-layout model repository (what `cltool export --triton` writes): a Deployment and a
/// Service of `cltool-host` serving it from a volume (readiness on gRPC health, liveness on /v2/health/live, startup on
/// /v2/health/ready, resource requests, Prometheus scrape annotations), and the equivalent KServe InferenceService on
/// Triton's runtime with the same repository as its storage, so a user who outgrows one host moves to an existing engine
/// without converting anything. Built as objects and written by a YAML library, so the files always parse.
/// </summary>
public static class DeploymentManifests
{
    public const string HostFile = "cltool-host.yaml", KServeFile = "kserve-inferenceservice.yaml";
    const int HttpPort = 8000, GrpcPort = 8001;
    const string RepositoryMount = "/models";

    /// <summary>What the manifests need to know beyond the repository.</summary>
    public sealed record Options(string Image, string Claim, int Replicas, string Cpu, string Memory);

    /// <summary>Writes DIR/cltool-host.yaml and DIR/kserve-inferenceservice.yaml; a folder without a model is refused.</summary>
    public static (string Host, string KServe) Write(string repository, string outDir, Options options)
    {
        string name = ServiceName(repository);
        Directory.CreateDirectory(outDir);
        string host = Path.Combine(outDir, HostFile), kserve = Path.Combine(outDir, KServeFile);
        AtomicFile.WriteAllText(host, Yaml(Deployment(options), Service()));
        AtomicFile.WriteAllText(kserve, Yaml(InferenceService(name, options)));
        return (host, kserve);
    }

    /// <summary>The repository's folder name as a Kubernetes name (DNS-1123 label); a folder holding no model is an error.</summary>
    static string ServiceName(string repository)
    {
        if (!Directory.Exists(repository)) throw new CltoolException($"Model repository '{repository}' does not exist.");
        if (!Directory.EnumerateDirectories(repository).Any(model => File.Exists(Path.Combine(model, RepositoryLayout.ConfigFile))))
            throw new CltoolException($"'{repository}' holds no model (NAME/{RepositoryLayout.ConfigFile}); write one with cltool export --triton DIR.");
        string folder = Path.GetFileName(Path.GetFullPath(repository).TrimEnd(Path.DirectorySeparatorChar)).ToLowerInvariant();
        string name = new string(folder.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        return name.Length == 0 ? "cltool-models" : name[..Math.Min(name.Length, 63)].TrimEnd('-');
    }

    static Dictionary<string, object> Deployment(Options options)
    {
        var labels = new Dictionary<string, object> { ["app"] = "cltool-host" };
        var container = new Dictionary<string, object>
        {
            ["name"] = "cltool-host",
            ["image"] = options.Image,
            ["args"] = new[] { "--model-repository", RepositoryMount, "--model-control-mode", "poll", "--urls", $"http://0.0.0.0:{HttpPort}", "--grpc-urls", $"http://0.0.0.0:{GrpcPort}" },
            ["ports"] = new[] { Port("http", HttpPort), Port("grpc", GrpcPort) },
            ["startupProbe"] = Probe(HttpGet("/v2/health/ready"), period: 5, failures: 60),
            ["readinessProbe"] = Probe(new Dictionary<string, object> { ["grpc"] = new Dictionary<string, object> { ["port"] = GrpcPort, ["service"] = "" } }, period: 5, failures: 3),
            ["livenessProbe"] = Probe(HttpGet("/v2/health/live"), period: 10, failures: 3),
            ["resources"] = Resources(options),
            ["volumeMounts"] = new[] { new Dictionary<string, object> { ["name"] = "models", ["mountPath"] = RepositoryMount, ["readOnly"] = true } },
        };
        return new Dictionary<string, object>
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "Deployment",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "cltool-host", ["labels"] = labels },
            ["spec"] = new Dictionary<string, object>
            {
                ["replicas"] = options.Replicas,
                ["selector"] = new Dictionary<string, object> { ["matchLabels"] = labels },
                ["template"] = new Dictionary<string, object>
                {
                    ["metadata"] = new Dictionary<string, object>
                    {
                        ["labels"] = labels,
                        ["annotations"] = new Dictionary<string, object>
                        {
                            ["prometheus.io/scrape"] = "true",
                            ["prometheus.io/port"] = $"{HttpPort}",
                            ["prometheus.io/path"] = "/metrics",
                        },
                    },
                    ["spec"] = new Dictionary<string, object>
                    {
                        // The host drains in-flight requests for up to 30 s after SIGTERM.
                        ["terminationGracePeriodSeconds"] = 40,
                        ["containers"] = new[] { container },
                        ["volumes"] = new[] { Volume(options.Claim) },
                    },
                },
            },
        };
    }

    static Dictionary<string, object> Service() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new Dictionary<string, object> { ["name"] = "cltool-host" },
        ["spec"] = new Dictionary<string, object>
        {
            ["selector"] = new Dictionary<string, object> { ["app"] = "cltool-host" },
            ["ports"] = new[]
            {
                new Dictionary<string, object> { ["name"] = "http", ["port"] = HttpPort, ["targetPort"] = "http" },
                new Dictionary<string, object> { ["name"] = "grpc", ["port"] = GrpcPort, ["targetPort"] = "grpc", ["appProtocol"] = "grpc" },
            },
        },
    };

    /// <summary>KServe's v1beta1 InferenceService on its Triton runtime, reading the same repository from the claim.</summary>
    static Dictionary<string, object> InferenceService(string name, Options options) => new()
    {
        ["apiVersion"] = "serving.kserve.io/v1beta1",
        ["kind"] = "InferenceService",
        ["metadata"] = new Dictionary<string, object>
        {
            ["name"] = name,
            ["annotations"] = new Dictionary<string, object> { ["serving.kserve.io/enable-prometheus-scraping"] = "true" },
        },
        ["spec"] = new Dictionary<string, object>
        {
            ["predictor"] = new Dictionary<string, object>
            {
                ["minReplicas"] = options.Replicas,
                ["model"] = new Dictionary<string, object>
                {
                    ["modelFormat"] = new Dictionary<string, object> { ["name"] = "triton" },
                    ["runtime"] = "kserve-tritonserver",
                    ["storageUri"] = $"pvc://{options.Claim}/",
                    ["resources"] = Resources(options),
                },
            },
        },
    };

    /// <summary>What each replica requests, its memory also the limit (the same for the host and for Triton).</summary>
    static Dictionary<string, object> Resources(Options options) => new()
    {
        ["requests"] = new Dictionary<string, object> { ["cpu"] = options.Cpu, ["memory"] = options.Memory },
        ["limits"] = new Dictionary<string, object> { ["memory"] = options.Memory },
    };

    static Dictionary<string, object> Port(string name, int port) => new() { ["name"] = name, ["containerPort"] = port };

    static Dictionary<string, object> HttpGet(string path) =>
        new() { ["httpGet"] = new Dictionary<string, object> { ["path"] = path, ["port"] = "http" } };

    static Dictionary<string, object> Probe(Dictionary<string, object> handler, int period, int failures) =>
        new(handler) { ["periodSeconds"] = period, ["failureThreshold"] = failures };

    static Dictionary<string, object> Volume(string claim) =>
        new() { ["name"] = "models", ["persistentVolumeClaim"] = new Dictionary<string, object> { ["claimName"] = claim, ["readOnly"] = true } };

    /// <summary>One YAML stream, documents separated by ---.</summary>
    static string Yaml(params Dictionary<string, object>[] documents)
    {
        ISerializer serializer = new SerializerBuilder().Build();
        return string.Join("---\n", documents.Select(serializer.Serialize));
    }
}
