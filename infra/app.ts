/** The CDK app: `npx cdk synth` / `npx cdk deploy`. Settings come from the CDK context (see README). */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFrom } from './settings';
import { DbAccessStack } from './stack';

const app = new App();
new DbAccessStack(app, 'DbAccessStack', {
  settings: settingsFrom((key) => app.node.tryGetContext(key)),
  description: 'Database access provisioning: resources, roles, plan/apply of PostgreSQL roles',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
