-- CreateTable
CREATE TABLE "app_projects" (
    "org_id" TEXT NOT NULL,
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'ACTIVE',
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "app_projects_pkey" PRIMARY KEY ("org_id","id")
);

-- CreateTable
CREATE TABLE "app_notes" (
    "tenant_key" TEXT NOT NULL,
    "id" SERIAL NOT NULL,
    "project_id" TEXT,
    "body" TEXT NOT NULL,
    "stars" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "app_notes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_tasks" (
    "tenant_key" TEXT NOT NULL,
    "id" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "project_org_id" TEXT,
    "project_id" TEXT,

    CONSTRAINT "app_tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "app_plans" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,

    CONSTRAINT "app_plans_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "app_notes_tenant_key_idx" ON "app_notes"("tenant_key");

-- AddForeignKey
ALTER TABLE "app_notes" ADD CONSTRAINT "app_notes_tenant_key_project_id_fkey" FOREIGN KEY ("tenant_key", "project_id") REFERENCES "app_projects"("org_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "app_tasks" ADD CONSTRAINT "app_tasks_project_org_id_project_id_fkey" FOREIGN KEY ("project_org_id", "project_id") REFERENCES "app_projects"("org_id", "id") ON DELETE SET NULL ON UPDATE CASCADE;
