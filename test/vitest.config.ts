import { defineConfig } from 'vitest/config';
import { sharedTestOptions, stackProject, unitProject } from './vitest.projects.ts';

export default defineConfig({ test: { ...sharedTestOptions, projects: [unitProject, stackProject] } });
