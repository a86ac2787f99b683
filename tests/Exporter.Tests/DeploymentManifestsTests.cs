using Cltool.Core.Errors;
using YamlDotNet.RepresentationModel;

namespace Cltool.Exporter.Tests;

/// <summary>The deployment manifests parsed back by a YAML library: every field an operator relies on, where Kubernetes and KServe read it.</summary>
public sealed class DeploymentManifestsTests : IDisposable
{
    readonly TemporaryDirectory _temporary = new();

    public void Dispose() => _temporary.Dispose();

    static YamlMappingNode[] Documents(string path)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(path)) stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToArray();
    }

    static YamlNode At(YamlNode node, params object[] path) => path.Aggregate(node, (current, step) => step switch
    {
        int index => ((YamlSequenceNode)current).Children[index],
        string key => ((YamlMappingNode)current).Children[new YamlScalarNode(key)],
        _ => throw new ArgumentException($"{step}"),
    });

    static string Scalar(YamlNode node, params object[] path) => ((YamlScalarNode)At(node, path)).Value!;

    [Fact]
    public void The_host_deployment_service_and_kserve_service_parse_and_carry_probes_resources_scraping_and_the_repository()
    {
        string repository = _temporary.File("My Models");
        Directory.CreateDirectory(Path.Combine(repository, "cltool-vit", "1"));
        File.WriteAllText(Path.Combine(repository, "cltool-vit", "config.pbtxt"), "name: \"cltool-vit\"\n");

        (string host, string kserve) = DeploymentManifests.Write(repository, _temporary.File("deploy"), new DeploymentManifests.Options("registry/cltool-host:1", "models-pvc", 3, "4", "3Gi"));

        YamlMappingNode[] hostDocuments = Documents(host);
        Assert.Equal(["Deployment", "Service"], hostDocuments.Select(d => Scalar(d, "kind")));
        YamlNode deployment = hostDocuments[0], pod = At(deployment, "spec", "template");
        YamlNode container = At(pod, "spec", "containers", 0);
        Assert.Equal("3", Scalar(deployment, "spec", "replicas"));
        Assert.Equal("registry/cltool-host:1", Scalar(container, "image"));
        Assert.Equal(["--model-repository", "/models", "--model-control-mode", "poll", "--urls", "http://0.0.0.0:8000", "--grpc-urls", "http://0.0.0.0:8001"],
                     ((YamlSequenceNode)At(container, "args")).Children.Select(a => ((YamlScalarNode)a).Value));
        Assert.Equal("/v2/health/ready", Scalar(container, "startupProbe", "httpGet", "path"));
        Assert.Equal("8001", Scalar(container, "readinessProbe", "grpc", "port"));
        Assert.Equal("/v2/health/live", Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.Equal(("4", "3Gi", "3Gi"), (Scalar(container, "resources", "requests", "cpu"), Scalar(container, "resources", "requests", "memory"),
                                           Scalar(container, "resources", "limits", "memory")));
        Assert.Equal(("true", "8000", "/metrics"), (Scalar(pod, "metadata", "annotations", "prometheus.io/scrape"),
            Scalar(pod, "metadata", "annotations", "prometheus.io/port"), Scalar(pod, "metadata", "annotations", "prometheus.io/path")));
        Assert.Equal(("models", "/models", "true"), (Scalar(container, "volumeMounts", 0, "name"), Scalar(container, "volumeMounts", 0, "mountPath"),
                                                   Scalar(container, "volumeMounts", 0, "readOnly")));
        Assert.Equal("models-pvc", Scalar(pod, "spec", "volumes", 0, "persistentVolumeClaim", "claimName"));
        Assert.Equal(["8000", "8001"], ((YamlSequenceNode)At(hostDocuments[1], "spec", "ports")).Children.Select(p => Scalar(p, "port")));

        YamlMappingNode service = Documents(kserve).Single();
        Assert.Equal(("serving.kserve.io/v1beta1", "InferenceService", "my-models"), (Scalar(service, "apiVersion"), Scalar(service, "kind"), Scalar(service, "metadata", "name")));
        Assert.Equal(("triton", "kserve-tritonserver", "pvc://models-pvc/"), (Scalar(service, "spec", "predictor", "model", "modelFormat", "name"),
            Scalar(service, "spec", "predictor", "model", "runtime"), Scalar(service, "spec", "predictor", "model", "storageUri")));
    }

    [Fact]
    public void A_folder_without_a_model_is_refused_and_nothing_is_written()
    {
        string empty = _temporary.File("empty"), deploy = _temporary.File("deploy");
        Directory.CreateDirectory(empty);

        var error = Assert.Throws<CltoolException>(() => DeploymentManifests.Write(empty, deploy, new DeploymentManifests.Options("i", "c", 1, "1", "1Gi")));

        Assert.Contains("holds no model (NAME/config.pbtxt)", error.Message);
        Assert.False(Directory.Exists(deploy));
    }
}
