// {{name}}: works through a batch of jobs from its queue. A job that fails is named in
// `batchItemFailures`: only it returns to the queue (and after the queue's max receives, to
// its dead-letter queue); the others are done and deleted.
export const handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records ?? []) {
    try {
      await work(JSON.parse(record.body));
    } catch (error) {
      console.error(`job ${record.messageId} failed: ${error.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};

// The work itself. A job is a JSON object such as {"task": "welcome-email", "user": 7}.
async function work(job) {
  if (typeof job !== "object" || job === null || typeof job.task !== "string") {
    throw new Error("a job is a JSON object with a `task`");
  }
  console.log(`done: ${job.task}`, JSON.stringify(job));
}
