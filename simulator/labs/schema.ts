/**
 * The `kind: Lab` document (labs/<id>/lab.yaml), validated strictly like every other meshdojo
 * format: an unknown field is an error, durations carry units, messages say what was expected.
 */
import { z } from 'zod';
import { duration } from '../model/schemas.ts';
import type { Expectation, LabSpec, Measure } from './types.ts';

const text = (what: string) => z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);
const windowSchema = z.strictObject({ from: duration(), to: duration().optional() });
const scope = {
  service: text('a service name').optional(),
  edge: z.strictObject({ from: text('a service name'), to: text('a service name') }).optional(),
  window: windowSchema.optional(),
};

const measureVariants = [
  z.strictObject({ metric: z.literal('successRate'), ...scope }),
  z.strictObject({
    metric: z.literal('latency'),
    percentile: z.number().gt(0).max(100).default(99),
    ...scope,
  }),
  z.strictObject({ metric: z.literal('degradedRate'), ...scope }),
  z.strictObject({ metric: z.literal('requests'), ...scope }),
  z.strictObject({ metric: z.literal('attemptsPerRequest'), ...scope }),
  z.strictObject({ metric: z.literal('loadFactor'), ...scope }),
  z.strictObject({ metric: z.literal('failures'), cause: text('a failure cause').optional(), ...scope }),
  z.strictObject({ metric: z.literal('maxQueue'), ...scope }),
  z.strictObject({ metric: z.literal('versionShare'), version: text('a version name'), ...scope }),
  z.strictObject({ metric: z.literal('duplicateSideEffects'), ...scope }),
  z.strictObject({ metric: z.literal('orphaned'), ...scope }),
  z.strictObject({
    metric: z.literal('events'),
    kind: text('an event kind (breaker, ejection, canary, …)'),
    state: z.string().optional(),
    subject: z.string().optional(),
    ...scope,
  }),
  z.strictObject({ metric: z.literal('meshAddedLatency'), ...scope }),
  z.strictObject({ metric: z.literal('meshCpuCores'), ...scope }),
] as const;

const measureSchema = z.discriminatedUnion('metric', measureVariants);

/** A check is a measure's fields plus its name and bound: `{ name, metric, service, window, min }`. */
const bound = { name: text('a check name'), min: z.number().optional(), max: z.number().optional() };
const expectationSchema = z
  .discriminatedUnion(
    'metric',
    measureVariants.map((v) => v.extend(bound)) as unknown as [
      z.ZodObject<typeof bound & { metric: z.ZodLiteral<string> }>,
    ],
  )
  .refine((e) => e.min !== undefined || e.max !== undefined, {
    message: 'expected `min`, `max` or both: a check needs a bound',
  })
  .transform((raw): Expectation => {
    const { name, min, max, ...measure } = raw;
    return { name, measure: measure as unknown as Measure, min, max };
  });

const stepSchema = z.strictObject({
  id: text('a step id'),
  title: text('a title'),
  goal: text('a goal'),
  hypothesis: z
    .strictObject({
      question: text('a question'),
      unit: z.string().optional(),
      choices: z
        .array(z.union([text('a choice'), z.number()]).transform(String))
        .min(2)
        .optional(),
      reveal: measureSchema,
    })
    .optional(),
  action: z.strictObject({ text: text('what to do'), cli: z.string().optional(), ui: z.string().optional() }),
  topology: text('a topology file path').optional(),
  chaos: z.array(text('a chaos file path')).default([]),
  check: z.strictObject({
    expect: z.array(expectationSchema).default([]),
    policy: z
      .array(
        z.strictObject({
          name: text('a check name'),
          destination: text('a service name'),
          field: text('a field path such as `retries.perTryTimeout`'),
          present: z.boolean().default(true),
        }),
      )
      .default([]),
    observe: z
      .array(z.strictObject({ question: text('a question'), answer: text('a service name') }))
      .default([]),
  }),
  explain: text('an explanation'),
  reset: z.string().optional(),
});

export const labDocumentSchema = z.strictObject({
  apiVersion: z.literal('meshdojo/v1'),
  kind: z.literal('Lab'),
  metadata: z.strictObject({ name: text('a lab id'), description: z.string().optional() }),
  spec: z.strictObject({
    title: text('a title'),
    summary: text('a summary'),
    level: z.enum(['beginner', 'intermediate', 'advanced']),
    minutes: z.number().int().positive(),
    topology: text('a topology file path'),
    load: text('a load profile path').optional(),
    seed: z.number().int().min(0).default(1),
    duration: duration({ positive: true }),
    files: z.array(text('a file name')).default([]),
    steps: z.array(stepSchema).min(1, 'expected at least one step'),
  }),
});

export function toLabSpec(doc: z.output<typeof labDocumentSchema>): LabSpec {
  return { id: doc.metadata.name, ...doc.spec };
}
