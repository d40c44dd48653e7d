/**
 * One direction of a proxied connection (Toxiproxy's ToxicLink): a hidden pass-through stage, then
 * the direction's toxics in the order they were added, each its own stage, chunks flowing
 * t1 → t2 → … The chain changes live: adding, updating or removing a toxic interrupts the
 * stages concerned and restarts them, as Toxiproxy does, so existing connections see the change.
 */
import type { Rng } from '../../engine/types.ts';
import { Channel, EOF, Stub, type Item } from './stream.ts';
import { passThrough, toxicType, type Attributes, type StageState } from './toxics.ts';

/** The settings of one toxic, shared by every connection's stage of it. */
export interface ToxicSettings {
  name: string;
  type: string;
  toxicity: number;
  attributes: Attributes;
}

interface Stage {
  toxic: ToxicSettings | null;
  stub: Stub;
  state: StageState;
  /** Resolves when the current run of the toxic returns. */
  running: Promise<void>;
  removed: boolean;
}

export interface LinkEnds {
  /** Writes a chunk to the destination socket. */
  write(data: Buffer): void;
  /** The stream ended (EOF or a toxic closed it): close the destination socket. */
  end(): void;
  /** Something was taken from a channel of the chain (the source may resume reading). */
  drained(): void;
}

export class Link {
  /** Fed by the source socket. */
  readonly source = new Channel();
  private readonly sink = new Channel();
  private readonly stages: Stage[] = [];
  private ended = false;

  constructor(
    toxics: readonly ToxicSettings[],
    private readonly rng: Rng,
    private readonly ends: LinkEnds,
  ) {
    this.source.onTake = () => this.ends.drained();
    this.stages.push(this.newStage(null, this.source, this.sink));
    for (const t of toxics) this.append(t);
    this.pump();
  }

  /** Bytes waiting inside the chain (the source socket pauses when too many pile up). */
  buffered(): number {
    let n = this.source.bytes;
    for (const s of this.stages) if (s.stub.output !== this.sink) n += s.stub.output.bytes;
    return n;
  }

  private newStage(toxic: ToxicSettings | null, input: Channel, output: Channel): Stage {
    const stage: Stage = {
      toxic,
      stub: new Stub(input, output),
      state: { bytes: 0 },
      running: Promise.resolve(),
      removed: false,
    };
    this.run(stage);
    return stage;
  }

  /** Starts the stage's toxic, rolling its toxicity (per connection, at each (re)start). */
  private run(stage: Stage): void {
    stage.stub.arm();
    const toxic = stage.toxic;
    const type = toxic ? toxicType(toxic.type) : undefined;
    const active = toxic !== null && type !== undefined && this.rng.next() < toxic.toxicity;
    stage.running = active
      ? type.pipe(stage.stub, {
          attrs: toxic.attributes,
          rng: this.rng,
          state: stage.state,
        })
      : passThrough(stage.stub);
  }

  private async restart(stage: Stage): Promise<void> {
    stage.stub.interrupt();
    await stage.running;
    if (!stage.stub.closed && !stage.removed) this.run(stage);
  }

  /** Adds a toxic at the end of the chain. */
  append(toxic: ToxicSettings): void {
    const last = this.stages[this.stages.length - 1];
    const input = new Channel();
    input.onTake = () => this.ends.drained();
    const stage = this.newStage(toxic, input, this.sink);
    this.stages.push(stage);
    last.stub.interrupt();
    void last.running.then(() => {
      last.stub.output = input;
      if (!last.stub.closed && !last.removed) this.run(last);
    });
  }

  /** The toxic's settings changed: restart its stage (the pending chunk is forwarded at once). */
  update(name: string): void {
    const stage = this.stages.find((s) => s.toxic?.name === name);
    if (stage) void this.restart(stage);
  }

  async remove(name: string): Promise<void> {
    const i = this.stages.findIndex((s) => s.toxic?.name === name);
    if (i <= 0) return;
    const stage = this.stages[i];
    const prev = this.stages[i - 1];
    stage.removed = true;
    stage.stub.interrupt();
    await stage.running;
    const type = stage.toxic ? toxicType(stage.toxic.type) : undefined;
    if (type?.cleanup && !stage.stub.closed) {
      type.cleanup(stage.stub);
    }
    prev.stub.interrupt();
    await prev.running;
    this.stages.splice(this.stages.indexOf(stage), 1);
    prev.stub.output = stage.stub.output;
    stage.stub.input.drainTo(stage.stub.output);
    if (!prev.stub.closed) this.run(prev);
  }

  /** The last stage's output goes to the destination socket; EOF closes it. */
  private pump(): void {
    let looping = false;
    const got = (item: Item): void => {
      if (this.ended) return;
      if (item === EOF) {
        this.ended = true;
        this.ends.end();
      } else if (item.data.length > 0) this.ends.write(item.data);
      if (!looping) loop();
    };
    // A loop, not recursion: a long backlog must not grow the stack.
    const loop = (): void => {
      looping = true;
      while (!this.ended && this.sink.take(got));
      looping = false;
    };
    loop();
  }

  /** The source socket ended or failed. */
  sourceEnded(): void {
    this.source.push(EOF);
  }

  /** Stops every stage (the connection is being torn down). */
  stop(): void {
    this.ended = true;
    for (const s of this.stages) {
      s.removed = true;
      s.stub.interrupt();
    }
  }
}
