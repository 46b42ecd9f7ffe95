using Toolchain.Checkpoints;

namespace Toolchain.Train.Training;

/// <summary>
/// Where a resumed run continues: the newest checkpoint that loads and verifies. A corrupt or
/// truncated newest checkpoint is reported and the one before it is used.
/// </summary>
public sealed record ResumePoint(string Path, Checkpoint Checkpoint)
{
    public int Epoch => int.Parse(Checkpoint.Meta("epoch", Path));
    public long Step => long.Parse(Checkpoint.Meta("step", Path));
    public int EpochStep => int.Parse(Checkpoint.Meta("epoch_step", Path));

    public static ResumePoint? Find(CheckpointStore store, TextWriter log)
    {
        foreach (var path in store.AllFiles().Reverse())
        {
            try { return new ResumePoint(path, Checkpoint.Load(path)); }
            catch (CheckpointException e) { log.WriteLine($"warning: {e.Message}; trying the checkpoint before it"); }
        }
        return null;
    }
}
