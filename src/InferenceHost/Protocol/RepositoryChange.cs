using Cltool.Core.Errors;
using Cltool.InferenceHost.Serving;

namespace Cltool.InferenceHost.Protocol;

/// <summary>
/// A load or unload asked for over HTTP or gRPC, with Triton's rules: allowed for a `--model FILE` host (load reloads the
/// file) and a repository in explicit mode; refused with 503 in the none and poll modes. A load that fails leaves what was
/// serving and answers 400 with the reason.
/// </summary>
public static class RepositoryChange
{
    public static async Task RunAsync(ModelRepository repository, ServeOptions options, string name, bool load)
    {
        if (options.RepositoryPath is not null && options.ControlMode != ModelControlMode.Explicit)
            throw HostError.Unavailable($"explicit model load / unload is not allowed in model control mode '{options.ControlMode.ToString().ToLowerInvariant()}'; start the host with --model-control-mode explicit.");
        if (!load)
        {
            await repository.UnloadAsync(name);
            return;
        }
        try
        {
            await repository.LoadAsync(name, force: true);
        }
        catch (CltoolException error)
        {
            bool serving = repository.ServedModels().Contains(name);
            throw HostError.BadRequest(error.Message + (serving ? "; still serving the previous one" : ""));
        }
    }
}
