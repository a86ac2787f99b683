using Cltool.Exporter;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Cltool.Cli.Commands;

/// <summary>`cltool deploy`: Kubernetes manifests for a model repository: cltool-host as a Deployment + Service, and KServe's Triton runtime on the same files.</summary>
public sealed class DeployCommand(IAnsiConsole console) : Command<DeploySettings>
{
    public override int Execute(CommandContext context, DeploySettings settings, CancellationToken cancellationToken)
    {
        (string host, string kserve) = DeploymentManifests.Write(settings.Repository, settings.Out,
            new DeploymentManifests.Options(settings.Image, settings.Claim, settings.Replicas, settings.Cpu, settings.Memory));
        console.MarkupLineInterpolated($"wrote [bold]{host}[/] (cltool-host Deployment + Service) and [bold]{kserve}[/] (KServe InferenceService, Triton runtime)");
        console.MarkupLineInterpolated($"the repository must be on the PersistentVolumeClaim '{settings.Claim}'; then kubectl apply -f {settings.Out}");
        return 0;
    }
}
