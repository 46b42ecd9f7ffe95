namespace Toolchain.Serve.Repository;

/// <summary>
/// A request's hold on one model version: while any lease is open the version's session stays alive, even if a
/// reload has already replaced or removed the version. Disposing the lease lets go; the last one out disposes
/// the session of a retired version.
/// </summary>
public sealed class ModelLease : IDisposable
{
    private int released;

    internal ModelLease(ModelVersion model) => Model = model;

    public ModelVersion Model { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0) Model.ReleaseReference();
    }
}
