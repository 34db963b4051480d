CREATE TABLE "platform_profiles" (
	"platform" text NOT NULL,
	"user_id" text NOT NULL,
	"profile" text NOT NULL,
	"fetched_at" bigint NOT NULL,
	CONSTRAINT "platform_profiles_platform_user_id_pk" PRIMARY KEY("platform","user_id")
);
--> statement-breakpoint
CREATE INDEX "platform_profiles_fetched" ON "platform_profiles" USING btree ("fetched_at");